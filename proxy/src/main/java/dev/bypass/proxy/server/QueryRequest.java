package dev.bypass.proxy.server;

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

    public enum Kind { QUERY, PARSE, FUNCTION_CALL }

    private final String user, database;
    private final Kind kind;
    private final byte[] text;
    private final int textLength;
    private final long length;
    private final int mask, statements;
    private String sql;

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
}
