/**
 * A PostgreSQL wire-protocol proxy on Netty: connection pooling in session and transaction modes, authentication,
 * TLS, an admin console, and hooks where programs allow, reject, route or mirror traffic.
 */
package dev.bypass.proxy;
