/**
 * The proxy itself: {@link dev.bypass.proxy.server.ProxyServer} accepts clients, authenticates them and runs their
 * traffic over pooled server connections as a PgBouncer configuration file describes
 * ({@link dev.bypass.proxy.config.ProxyConfigFile}, {@link dev.bypass.proxy.config.ProxyConfig}); the admin console
 * answers PgBouncer's commands. Hosts plug policy in through {@link dev.bypass.proxy.hooks.QueryHook} (connect,
 * authentication, query, result, route and mirror points), which {@link dev.bypass.proxy.hooks.ProgramHooks}
 * implements with eBPF programs.
 *
 * <p>One client connection is a {@code ClientSession}, the coordinator of its parts, each a concern of its own:
 * {@code LoginStage} (start-up, TLS, SCRAM/MD5/cert/peer/hba authentication), {@code ClientParameters} (the
 * parameters tracked across servers), {@code HookDispatch} (the hook points), {@code StatementRegistry} (prepared
 * statements renamed across pooled servers), {@code ReplyQueue} (replies in request order, the proxy's own answers
 * among them), {@code MirrorBatch} (copies for the shadow), {@code LargeMessage} (messages passed in pieces), and
 * {@code AdminConsole} for console sessions.
 *
 * <h2>Threading</h2>
 * Every session, its parts and its link to the server it holds are confined to the event loop of the client's
 * channel: no lock is taken on the data path. A server connection reads on its own loop (servers are pooled across
 * loops) and delivers every callback on the holder's loop, frames of one read burst as one task. Everything else that
 * acts on a session goes through {@code ClientSession.onLoop}: pool acquisitions and auth_query results, the timeout
 * timer, cancel requests, and console commands (PAUSE/RESUME, SUSPEND, KILL). Other threads only read the volatile
 * fields that SHOW CLIENTS, SHOW POOLS and the client limits display (phase, names, server, waiting, last request).
 */
package dev.bypass.proxy.server;
