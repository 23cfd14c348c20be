package dev.bypass.proxy.hooks;

import dev.bypass.proxy.sql.StatementClass;
import java.nio.charset.StandardCharsets;

/**
 * A request to run SQL, as the query hook sees it before it reaches a server: who asks, how (a simple Query, an
 * extended-protocol Parse, or a FunctionCall), the text, and what the proxy's classifier found in it: every statement
 * class present ({@link #mask()}, EXECUTEs resolved against the session's prepared statements) and the number of
 * statements. For a text too large to hold, {@link #sql()} is its first {@value #TEXT_LIMIT} bytes while the classes
 * cover all of it; {@link #length()} is always the full length.
 */
public final class QueryRequest {
    /** The largest text a hook is given whole. */
    public static final int TEXT_LIMIT = 64 * 1024;

    /** How the request came: a simple Query, a Parse, a Bind of a named prepared statement, a FunctionCall. */
    public enum Kind { QUERY, PARSE, BIND, FUNCTION_CALL }

    private final String user, database;
    private final Kind kind;
    private final byte[] text;
    private final int textLength;
    private final long length;
    private final int mask, statements;
    private String sql;
    private SessionInfo session;
    private boolean named;
    /** The hook implementation's own per-request data (e.g. a fingerprint computed once), or null. */
    private Object hookCache;

    /** {@code text[0, textLength)} is the text (or its first bytes); the array must not change afterwards. */
    public QueryRequest(String user, String database, Kind kind, byte[] text, int textLength, long length, int mask, int statements) {
        this.user = user;
        this.database = database;
        this.kind = kind;
        this.text = text;
        this.textLength = textLength;
        this.length = length;
        this.mask = mask;
        this.statements = statements;
    }

    /** A request from text alone (tests, tools): classified here. */
    public static QueryRequest of(String user, String database, String sql) {
        byte[] b = sql.getBytes(StandardCharsets.UTF_8);
        var c = dev.bypass.proxy.sql.StatementClassifier.classifyUncached(b, b.length, false);
        return new QueryRequest(user, database, Kind.QUERY, b, b.length, b.length,
                c.mask() | new dev.bypass.proxy.sql.PreparedStatements().effects(c), c.statements());
    }

    /** A Parse of a named prepared statement: its executions come as Binds ({@link Kind#BIND}), the query hook sees each. */
    public boolean named() { return named; }

    public QueryRequest named(boolean n) {
        this.named = n;
        return this;
    }

    /** The session that sent it; null for a request made from text alone. */
    public SessionInfo session() { return session; }

    /** Sets the session (once, by the proxy, before the hook sees the request); returns this. */
    public QueryRequest session(SessionInfo s) {
        this.session = s;
        return this;
    }

    /** Bytes of a named statement's text kept for the query hook at each Bind. */
    public static final int BIND_TEXT_LIMIT = 1024;

    /** This Parse request as the query hook sees a Bind of its statement: its classes and its first bytes of text. */
    public QueryRequest forBind() {
        int n = Math.min(textLength, BIND_TEXT_LIMIT);
        return new QueryRequest(user, database, Kind.BIND, java.util.Arrays.copyOf(text, n), n, length, mask, statements).named(true);
    }

    public String user() { return user; }

    public String database() { return database; }

    public Kind kind() { return kind; }

    /** The SQL text (its first {@value #TEXT_LIMIT} bytes at most); empty for a FunctionCall. */
    public String sql() {
        if (sql == null) sql = new String(text, 0, textLength, StandardCharsets.UTF_8);
        return sql;
    }

    /** Copies the UTF-8 bytes of {@link #sql()} into {@code into} (as many as fit); returns how many were copied. */
    public int copyText(byte[] into) {
        int n = Math.min(into.length, textLength);
        System.arraycopy(text, 0, into, 0, n);
        return n;
    }

    public int textLength() { return textLength; }

    private byte[] exact;

    /** The text's bytes ({@link #textLength()} of them) as an array of exactly that length; do not change it. */
    public byte[] textBytes() {
        if (exact == null) exact = text.length == textLength ? text : java.util.Arrays.copyOf(text, textLength);
        return exact;
    }

    /** Whether the text's first word is {@code keyword} (upper case), ignoring case and leading white space. */
    public boolean startsWithKeyword(String keyword) { return QueryText.startsWithKeyword(text, textLength, keyword); }

    /** The full length of the text in bytes. */
    public long length() { return length; }

    /** Every statement class present, one bit per {@link StatementClass#id}. */
    public int mask() { return mask; }

    public int statements() { return statements; }

    /** The class that stands for the request: the most harmful one present. */
    public StatementClass primary() { return StatementClass.primary(mask); }

    @Override public String toString() {
        return "QueryRequest[" + kind + " " + user + "@" + database + " " + StatementClass.of(mask) + " " + length + " bytes]";
    }

    /** The hook implementation's own per-request data (e.g. a fingerprint computed once), or null; the proxy never reads it. */
    public Object hookCache() { return hookCache; }

    /** Keeps {@code data} with this request for the hook implementation (see {@link #hookCache()}). */
    public void hookCache(Object data) { this.hookCache = data; }
}
