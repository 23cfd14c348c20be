package dev.bypass.proxy.hooks;

import dev.bypass.proxy.config.ProxyConfig;
import dev.bypass.proxy.sql.StatementClass;

/**
 * Called for every request to run SQL a client sends (simple Query, extended Parse, FunctionCall) before it reaches a
 * server, with the statement classes the proxy found in it ({@link QueryRequest}). A verdict of
 * {@link Verdict#allow()} forwards it; a rejection answers the client with a PostgreSQL error instead.
 * {@link #onConnect} is called once per client at start-up, before authentication; a rejection ends the connection
 * with the error.
 */
@FunctionalInterface
public interface QueryHook {
    Verdict onQuery(QueryRequest request);

    /** The connect hook: a client asks for {@code database} as {@code user} from {@code client}. Default: allow. */
    default Verdict onConnect(String user, String database, java.net.InetSocketAddress client) { return Verdict.allow(); }

    /**
     * The result hook: a statement of {@code user} completed with CommandComplete {@code tag} (e.g. "SELECT 5",
     * "INSERT 0 1"), as it passes to the client. Called on the server connection's thread; default: nothing.
     */
    default void onResult(String user, String database, String tag) {}

    /**
     * The route hook: where a transaction (transaction pooling) whose first request is {@code request} runs, 0 for
     * the primary, 1..{@code replicas} for a replica. Called only when replicas are configured; default: primary.
     */
    default int route(String user, String database, StatementClass first, int replicas) { return 0; }

    /**
     * The mirror hook: whether to copy this request (already allowed) to the shadow server. Called only when a
     * mirror is configured, for simple queries and for extended-protocol batches on the unnamed statement; default:
     * no.
     */
    default boolean mirror(QueryRequest request) { return false; }

    /**
     * The authentication hook: {@code user} proved who they are with {@code method}, over TLS or not. A rejection
     * ends the connection with its error. Default: allow.
     */
    default Verdict onAuthenticated(String user, String database, ProxyConfig.ClientAuth method, boolean tls) { return Verdict.allow(); }

    /** The connect hook with the whole session (application_name, TLS, client id); defaults to {@link #onConnect(String, String, java.net.InetSocketAddress)}. */
    default Verdict onConnect(SessionInfo session) { return onConnect(session.user(), session.database(), session.inetClient()); }

    /** The authentication hook with the whole session; defaults to {@link #onAuthenticated(String, String, ProxyConfig.ClientAuth, boolean)}. */
    default Verdict onAuthenticated(SessionInfo session, ProxyConfig.ClientAuth method) {
        return onAuthenticated(session.user(), session.database(), method, session.tls());
    }

    /**
     * The result hook with the session and the statement's duration (nanoseconds from its request, or from the
     * previous statement's completion in the same query); defaults to {@link #onResult(String, String, String)}.
     */
    default void onResult(SessionInfo session, String tag, long durationNanos) { onResult(session.user(), session.database(), tag); }

    /**
     * The route hook with the session and the transaction's first request when its text is known ({@code first} null
     * for a Bind of a named statement); defaults to {@link #route(String, String, StatementClass, int)}.
     */
    default int route(SessionInfo session, QueryRequest first, StatementClass firstClass, int replicas) {
        return route(session.user(), session.database(), firstClass, replicas);
    }

    /**
     * Whether the query hook wants to see each Bind of a named prepared statement (its text was seen at Parse); a
     * rate limiter does, a statement filter need not. Default: no.
     */
    default boolean wantsBinds() { return false; }

    record Verdict(boolean allowed, String sqlState, String message) {
        private static final Verdict ALLOW = new Verdict(true, null, null);

        public static Verdict allow() { return ALLOW; }

        public static Verdict reject(String sqlState, String message) { return new Verdict(false, sqlState, message); }
    }

    QueryHook ALLOW_ALL = request -> Verdict.allow();
}
