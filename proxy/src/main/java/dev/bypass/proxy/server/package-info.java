/**
 * The proxy itself: {@link dev.bypass.proxy.server.ProxyServer} accepts clients, authenticates them and runs their
 * traffic over pooled server connections as a PgBouncer configuration file describes
 * ({@link dev.bypass.proxy.config.ProxyConfigFile}, {@link dev.bypass.proxy.config.ProxyConfig}); the admin console
 * answers PgBouncer's commands. Hosts plug policy in through {@link dev.bypass.proxy.hooks.QueryHook} (connect,
 * authentication, query, result, route and mirror points), which {@link dev.bypass.proxy.hooks.ProgramHooks}
 * implements with eBPF programs.
 */
package dev.bypass.proxy.server;
