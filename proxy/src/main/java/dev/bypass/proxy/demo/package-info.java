/**
 * {@code bypass demo}: an embedded PostgreSQL with the proxy in front of it, the bundled {@code query_guard} program
 * at its hooks and a Prometheus endpoint for the proxy's metrics. Demonstration only; production proxies start from
 * a configuration file ({@link dev.bypass.proxy.server.ProxyServer}).
 */
package dev.bypass.proxy.demo;
