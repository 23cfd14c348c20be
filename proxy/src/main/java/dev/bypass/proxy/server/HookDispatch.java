package dev.bypass.proxy.server;

import dev.bypass.proxy.config.ProxyConfig;
import dev.bypass.proxy.hooks.QueryHook;
import dev.bypass.proxy.hooks.QueryRequest;
import dev.bypass.proxy.hooks.SessionInfo;
import dev.bypass.proxy.sql.Classification;
import dev.bypass.proxy.sql.StatementClass;
import dev.bypass.proxy.wire.MessageType.Frontend;
import dev.bypass.proxy.wire.PgFrame;
import dev.bypass.proxy.wire.ProtocolException;
import io.netty.buffer.ByteBuf;
import java.util.Locale;
import java.util.Set;

/**
 * One session's calls into the {@link QueryHook}: the connect, authenticated, query and result points, and the route
 * and mirror picks, each with the session as hooks see it. A failing hook never lets a request through it would
 * judge (connect, authenticated and query reject) and never costs the client a reply (result, route and mirror fall
 * back to doing nothing). The query point gets the request classified statement by statement. Runs on the session's
 * event loop.
 */
final class HookDispatch {
    private static final Set<String> RAW_BACKSLASH_ENCODINGS = Set.of("SJIS", "SHIFTJIS", "SHIFTJIS2004", "BIG5",
            "GBK", "GB18030", "UHC", "JOHAB", "WIN932", "WIN936", "WIN949", "WIN950", "CP932", "CP936", "CP949", "CP950");

    private final ClientSession session;
    private final ProxyServer proxy;
    /** The session as hooks see it, made at start-up. */
    private SessionInfo info;
    /** The classification of the text the hook was last asked about (null for a FunctionCall or after a refusal). */
    private Classification lastClassification;
    private String lastEncoding;
    private boolean lastEncodingRaw;

    HookDispatch(ClientSession session, ProxyServer proxy) {
        this.session = session;
        this.proxy = proxy;
    }

    private QueryHook hook() { return proxy.queryHook(); }

    /** The session for a hook call, with what may have changed since the last one. */
    SessionInfo info() {
        if (info == null) info = new SessionInfo(session.processId, session.user, session.database, session.channel().remoteAddress(), session.tls);
        info.update(session.parameters.get("application_name", session.applicationName), session.inTransaction());
        return info;
    }

    QueryHook.Verdict onConnect() {
        try {
            info = null; // user and database are known now
            return hook().onConnect(info());
        } catch (RuntimeException e) {
            return QueryHook.Verdict.reject("28000", "connect hook failed: " + e.getMessage());
        }
    }

    QueryHook.Verdict onAuthenticated(ProxyConfig.ClientAuth method) {
        try {
            return hook().onAuthenticated(info(), method);
        } catch (RuntimeException e) {
            return QueryHook.Verdict.reject("28000", "authentication hook failed: " + e.getMessage());
        }
    }

    /** The query hook's verdict on {@code request}; a refusal forgets the classification (nothing of it applies). */
    QueryHook.Verdict onQuery(QueryRequest request) {
        QueryHook.Verdict v;
        try {
            v = hook().onQuery(request.session(info()));
        } catch (RuntimeException e) { // a failing program must not let the query through
            v = QueryHook.Verdict.reject("XX000", "query hook failed: " + e.getMessage());
        }
        if (!v.allowed()) lastClassification = null;
        return v;
    }

    /** A statement completed with {@code tag} after {@code nanos} (0 when unknown). */
    void onResult(String tag, long nanos) {
        try {
            hook().onResult(info(), tag, nanos);
        } catch (RuntimeException e) { // a failing result program must not cost the client its reply
            proxy.log().error(session.prefix() + "result hook failed: " + e.getMessage());
        }
    }

    /** The backend a transaction starting with {@code cls} goes to: 0 the primary, else a replica. */
    int route(QueryRequest request, StatementClass cls, int replicas) {
        try {
            return hook().route(info(), request, cls, replicas);
        } catch (RuntimeException e) {
            proxy.log().error(session.prefix() + "route hook failed: " + e.getMessage());
            return 0;
        }
    }

    boolean mirror(QueryRequest request) {
        try {
            return hook().mirror(request);
        } catch (RuntimeException e) {
            return false;
        }
    }

    boolean wantsBinds() { return hook().wantsBinds(); }

    /** The classification of the last text {@link #classify}d and allowed (null for a FunctionCall). */
    Classification lastClassification() { return lastClassification; }

    /**
     * Reads what a Query, Parse or FunctionCall asks to run: its text (up to its NUL), classified statement by
     * statement, with EXECUTEs resolved against this session's prepared statements. Leaves the text's
     * classification in {@link #lastClassification()}.
     */
    QueryRequest classify(PgFrame frame, StatementRegistry statements) {
        String user = session.user, database = session.database;
        if (frame.type() == Frontend.FUNCTION_CALL) {
            lastClassification = null;
            return new QueryRequest(user, database, QueryRequest.Kind.FUNCTION_CALL, new byte[0], 0, 0, StatementClass.ROUTINE.bit(), 1);
        }
        ByteBuf body = frame.body();
        int from = body.readerIndex();
        boolean named = false;
        boolean parse = frame.type() == Frontend.PARSE;
        if (parse) {
            int nameEnd = body.indexOf(from, body.writerIndex(), (byte) 0);
            if (nameEnd < 0) throw new ProtocolException("Parse message without a statement name");
            named = nameEnd > from;
            from = nameEnd + 1;
        }
        int end = body.indexOf(from, body.writerIndex(), (byte) 0);
        if (end < 0) throw new ProtocolException((parse ? "Parse" : "Query") + " text is not NUL-terminated");
        byte[] text = new byte[end - from];
        body.getBytes(from, text);
        Classification c = proxy.classifier().classify(text, text.length, rawBackslashes());
        lastClassification = c;
        int keep = Math.min(text.length, QueryRequest.TEXT_LIMIT);
        return new QueryRequest(user, database, parse ? QueryRequest.Kind.PARSE : QueryRequest.Kind.QUERY,
                text, keep, text.length, c.mask() | statements.sqlPrepared().effects(c), c.statements()).named(named);
    }

    /**
     * Whether the client's encoding may hide a backslash inside a multibyte character (the server converts the text
     * before reading it), so the classifier also reads backslashes as plain bytes.
     */
    boolean rawBackslashes() {
        String encoding = session.parameters.clientEncoding();
        if (encoding == null) return false;
        if (encoding != lastEncoding) {
            // decided once per encoding string the session has (it changes with SET client_encoding only)
            lastEncodingRaw = RAW_BACKSLASH_ENCODINGS.contains(encoding.toUpperCase(Locale.ROOT).replace("-", "").replace("_", ""));
            lastEncoding = encoding;
        }
        return lastEncodingRaw;
    }
}
