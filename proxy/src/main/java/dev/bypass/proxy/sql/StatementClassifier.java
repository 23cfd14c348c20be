package dev.bypass.proxy.sql;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Classifies every statement of a query text from its tokens ({@link SqlLexer}), so that comments, quoting, dollar
 * quotes and several statements in one text cannot hide what the text does. Per statement:
 *
 * <ul>
 *   <li>the leading keyword gives the class (SELECT, VALUES, TABLE, WITH, DECLARE: select; INSERT; UPDATE; DELETE and
 *   TRUNCATE: delete; MERGE: insert, update and delete; CREATE, ALTER, DROP, GRANT, ...: ddl; BEGIN, COMMIT, ...:
 *   transaction; SET, SHOW, VACUUM, ...: utility; DO, CALL, LOAD: routine; anything else: other);</li>
 *   <li>INSERT, UPDATE, DELETE and MERGE anywhere in a statement add their class (data-modifying WITH, COPY of a
 *   query), INTO not after INSERT or MERGE adds ddl (SELECT ... INTO creates a table), FOR SHARE / KEY SHARE / NO KEY
 *   UPDATE / UPDATE add update (locking rows needs UPDATE rights), a call of a state-changing built-in adds
 *   routine;</li>
 *   <li>EXPLAIN is utility, and with ANALYZE (which runs the statement) also whatever the explained statement is;
 *   PREPARE name AS is the prepared statement, recorded for EXECUTE; EXECUTE name is what the session prepared under
 *   that name (routine when unknown); COPY ... FROM is insert, COPY ... TO select, to or from a PROGRAM or a server
 *   file routine; SET/RESET ROLE and SESSION AUTHORIZATION routine; LOCK update unless in ACCESS SHARE mode.</li>
 * </ul>
 *
 * Over-approximating is deliberate: a word like {@code update} used as a bare column name counts as an update. A
 * dollar-quote tag too long to follow makes the query routine.
 *
 * <p>Whole texts are classified with {@link #classify}; repeated texts come from a bounded cache keyed by the text
 * itself (equal bytes, not just equal hashes). Texts that arrive in pieces use {@link #streaming}.
 */
public final class StatementClassifier {
    /** Texts up to this size are cached. */
    static final int CACHE_TEXT_LIMIT = 8192;
    /** Entries per cache; a full cache is emptied (texts of a workload come back, one-off texts should not pile up). */
    static final int CACHE_ENTRIES = 8192;
    /** Prepared-statement operations recorded per text; more make the text routine (a bounded record). */
    static final int OPS_LIMIT = 64;

    private record Key(byte[] text, int length, int hash) {
        static Key probe(byte[] text, int length) { return new Key(text, length, hashOf(text, length)); }

        Key stored() { return new Key(java.util.Arrays.copyOf(text, length), length, hash); }

        @Override public boolean equals(Object o) {
            return o instanceof Key k && k.hash == hash && k.length == length && java.util.Arrays.equals(text, 0, length, k.text, 0, length);
        }

        @Override public int hashCode() { return hash; }

        private static int hashOf(byte[] b, int n) {
            if (n == b.length) return java.util.Arrays.hashCode(b); // vectorised by the JDK
            int h = 1;
            for (int i = 0; i < n; i++) h = 31 * h + b[i];
            return h;
        }
    }

    private final ConcurrentHashMap<Key, Classification> cache = new ConcurrentHashMap<>(), rawCache = new ConcurrentHashMap<>();
    /** Hashes of texts seen once and not cached yet (racy by design: a lost update only delays caching a text). */
    private final int[] seen = new int[SEEN_SLOTS];
    private static final int SEEN_SLOTS = 4096;

    /**
     * The classification of {@code text[0, length)} (UTF-8 or the client's encoding, without the terminating NUL).
     * {@code rawBackslashes}: the client's encoding may put the byte {@code 0x5C} inside multibyte characters, so
     * the text is also read as if no backslash escaped anything.
     */
    public Classification classify(byte[] text, int length, boolean rawBackslashes) {
        if (length > CACHE_TEXT_LIMIT) return classifyUncached(text, length, rawBackslashes);
        ConcurrentHashMap<Key, Classification> c = rawBackslashes ? rawCache : cache;
        Key probe = Key.probe(text, length);
        Classification known = c.get(probe);
        if (known != null) return known;
        Classification fresh = classifyUncached(text, length, rawBackslashes);
        // Admission: a text is cached the second time it is seen (its hash remembered in a small table the first
        // time), so that one-off texts (simple queries with literals) cost no copy and no insertion.
        int slot = probe.hash() & (SEEN_SLOTS - 1);
        if (seen[slot] != probe.hash()) {
            seen[slot] = probe.hash();
            return fresh;
        }
        if (c.size() >= CACHE_ENTRIES) c.clear();
        c.put(probe.stored(), fresh);
        return fresh;
    }

    /** As {@link #classify}, without the cache. */
    public static Classification classifyUncached(byte[] text, int length, boolean rawBackslashes) {
        Reader standard = new Reader();
        SqlLexer lexer = new SqlLexer(standard, SqlLexer.Backslashes.E_STRINGS);
        standard.lexer = lexer;
        lexer.lexAll(text, length);
        Classification result = standard.result();
        // Only a backslash inside a string can make another reading differ (standard_conforming_strings may be off
        // in the session; in SJIS-like encodings the byte may belong to a character).
        if (!lexer.backslashInString()) return result;
        result = result.union(read(text, length, SqlLexer.Backslashes.ALL_STRINGS));
        if (rawBackslashes) result = result.union(read(text, length, SqlLexer.Backslashes.NONE));
        return result;
    }

    public static Classification classifyUncached(String sql) {
        byte[] b = sql.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return classifyUncached(b, b.length, false);
    }

    private static Classification read(byte[] text, int length, SqlLexer.Backslashes backslashes) {
        Reader reader = new Reader();
        SqlLexer lexer = new SqlLexer(reader, backslashes);
        reader.lexer = lexer;
        lexer.lexAll(text, length);
        return reader.result();
    }

    /** A classification of a text that arrives in pieces, every reading at once, in constant memory. */
    public static Streaming streaming(boolean rawBackslashes) { return new Streaming(rawBackslashes); }

    public static final class Streaming {
        private final List<SqlLexer> lexers = new ArrayList<>();
        private final List<Reader> readers = new ArrayList<>();

        private Streaming(boolean rawBackslashes) {
            add(SqlLexer.Backslashes.E_STRINGS);
            add(SqlLexer.Backslashes.ALL_STRINGS);
            if (rawBackslashes) add(SqlLexer.Backslashes.NONE);
        }

        private void add(SqlLexer.Backslashes b) {
            Reader r = new Reader();
            SqlLexer l = new SqlLexer(r, b);
            r.lexer = l;
            readers.add(r);
            lexers.add(l);
        }

        public void feed(byte[] piece, int offset, int length) {
            for (SqlLexer l : lexers) l.feed(piece, offset, length, false);
        }

        public Classification finish() {
            Classification result = null;
            for (int k = 0; k < lexers.size(); k++) {
                lexers.get(k).feed(new byte[0], 0, 0, true);
                Classification c = readers.get(k).result();
                result = result == null ? c : result.union(c);
            }
            return result;
        }
    }

    /** Reads the tokens of one text, statement by statement. */
    private static final class Reader implements SqlLexer.Tokens {
        /** What the next word means for the statement being read. */
        private static final int LEAD = 0, BODY = 1, EXPLAIN_OPTIONS = 2, PREPARE_NAME = 3, PREPARE_AS = 4,
                DEALLOCATE_NAME = 5, DISCARD_WHAT = 6, SET_WHAT = 7, COPY_DIRECTION = 8, COPY_SOURCE = 9;
        private static final int NOT_A_WORD = -3;

        SqlLexer lexer;
        private int mask, statements;
        private final List<Classification.PreparedOp> ops = new ArrayList<>(0);
        private boolean tooManyOps;

        // the statement being read
        private boolean started;
        private int phase = LEAD, depth, statementMask, opsAtStart;
        private int previous = NOT_A_WORD;
        private boolean explain, analyze, lock, accessShare, callPending, executePending, copyFrom;
        private String preparing;

        @Override public void word(int id, boolean quoted) {
            start();
            callPending = false; // a name followed by a word was not a call
            if (executePending) {
                executePending = false;
                op(new Classification.Execute(lexer.name()));
            }
            int keyword = quoted ? Words.UNKNOWN : id;
            switch (phase) {
                case LEAD -> lead(keyword);
                case EXPLAIN_OPTIONS -> {
                    if (keyword == Words.ANALYZE || keyword == Words.ANALYSE) analyze = true;
                    else if (keyword != Words.VERBOSE && depth == 0) lead(keyword);
                }
                case PREPARE_NAME -> {
                    if (keyword == Words.TRANSACTION) {
                        statementMask |= StatementClass.TRANSACTION.bit();
                        phase = BODY;
                    } else {
                        preparing = lexer.name();
                        phase = PREPARE_AS;
                    }
                }
                case PREPARE_AS -> {
                    if (keyword == Words.AS && depth == 0) phase = LEAD; // the prepared statement is read as the statement
                }
                case DEALLOCATE_NAME -> {
                    if (keyword != Words.PREPARE) {
                        op(new Classification.Deallocate(keyword == Words.ALL ? null : lexer.name()));
                        phase = BODY;
                    }
                }
                case DISCARD_WHAT -> {
                    if (keyword == Words.ALL) op(new Classification.Deallocate(null));
                    phase = BODY;
                }
                case SET_WHAT -> {
                    if (keyword != Words.SESSION && keyword != Words.LOCAL || quoted) {
                        // SET ROLE, SET SESSION AUTHORIZATION, and the same settings by name (any case, quoted or
                        // not): acting as another role, so the guard's role no longer says what may run
                        String name = lexer.name();
                        if (keyword == Words.ROLE || keyword == Words.AUTHORIZATION || name.equalsIgnoreCase("role")
                                || name.equalsIgnoreCase("session_authorization"))
                            statementMask |= StatementClass.ROUTINE.bit();
                        phase = BODY;
                    }
                }
                case COPY_DIRECTION -> {
                    if (depth == 0 && (keyword == Words.FROM || keyword == Words.TO)) {
                        copyFrom = keyword == Words.FROM;
                        phase = COPY_SOURCE;
                    }
                }
                case COPY_SOURCE -> {
                    if (keyword == Words.STDIN || keyword == Words.STDOUT) statementMask |= (copyFrom ? StatementClass.INSERT : StatementClass.SELECT).bit();
                    else copyOutside(); // PROGRAM, or a file named some other way
                    phase = BODY;
                }
                default -> { }
            }
            // words that count wherever they stand
            switch (keyword) {
                case Words.INSERT -> statementMask |= StatementClass.INSERT.bit();
                case Words.UPDATE -> statementMask |= StatementClass.UPDATE.bit();
                case Words.DELETE -> statementMask |= StatementClass.DELETE.bit();
                case Words.MERGE -> statementMask |= StatementClass.INSERT.bit() | StatementClass.UPDATE.bit() | StatementClass.DELETE.bit();
                case Words.INTO -> {
                    if (previous != Words.INSERT && previous != Words.MERGE) statementMask |= StatementClass.DDL.bit();
                }
                case Words.SHARE, Words.KEY, Words.NO -> {
                    if (previous == Words.FOR) statementMask |= StatementClass.UPDATE.bit();
                    if (keyword == Words.SHARE && previous == Words.ACCESS) accessShare = true;
                }
                case Words.EXECUTE -> executePending = true;
                case Words.ANALYZE, Words.ANALYSE -> analyze = true;
                default -> { }
            }
            if (id == SqlLexer.UNRESOLVED || Words.isFunction(id)) callPending = true;
            previous = keyword;
        }

        private void copyOutside() {
            statementMask |= StatementClass.ROUTINE.bit() | (copyFrom ? StatementClass.INSERT : StatementClass.SELECT).bit();
        }

        /** The word that says what the statement is. */
        private void lead(int keyword) {
            phase = BODY;
            StatementClass c = switch (keyword) {
                case Words.SELECT, Words.VALUES, Words.TABLE, Words.WITH, Words.DECLARE -> StatementClass.SELECT;
                case Words.INSERT, Words.UPDATE, Words.DELETE, Words.MERGE -> null; // counted as words below
                case Words.TRUNCATE -> StatementClass.DELETE;
                case Words.EXPLAIN -> {
                    explain = true;
                    phase = EXPLAIN_OPTIONS;
                    yield StatementClass.UTILITY;
                }
                case Words.PREPARE -> {
                    phase = PREPARE_NAME;
                    yield null;
                }
                case Words.EXECUTE -> null; // what the prepared statement is, resolved by the session
                case Words.DEALLOCATE -> {
                    phase = DEALLOCATE_NAME;
                    yield StatementClass.UTILITY;
                }
                case Words.DISCARD -> {
                    phase = DISCARD_WHAT;
                    yield StatementClass.UTILITY;
                }
                case Words.COPY -> {
                    phase = COPY_DIRECTION;
                    yield null;
                }
                case Words.CREATE, Words.ALTER, Words.DROP, Words.COMMENT, Words.GRANT, Words.REVOKE, Words.SECURITY,
                     Words.REINDEX, Words.CLUSTER, Words.REFRESH, Words.IMPORT, Words.REASSIGN -> StatementClass.DDL;
                case Words.BEGIN, Words.START, Words.COMMIT, Words.END, Words.ROLLBACK, Words.ABORT, Words.SAVEPOINT,
                     Words.RELEASE -> StatementClass.TRANSACTION;
                case Words.SET, Words.RESET -> {
                    phase = SET_WHAT;
                    yield StatementClass.UTILITY;
                }
                case Words.SHOW, Words.LISTEN, Words.NOTIFY, Words.UNLISTEN, Words.VACUUM, Words.ANALYZE, Words.ANALYSE,
                     Words.CHECKPOINT, Words.FETCH, Words.MOVE, Words.CLOSE -> StatementClass.UTILITY;
                case Words.DO, Words.CALL, Words.LOAD -> StatementClass.ROUTINE;
                case Words.LOCK -> {
                    lock = true;
                    yield null;
                }
                default -> StatementClass.OTHER;
            };
            if (c != null) statementMask |= c.bit();
        }

        @Override public void token(int kind) {
            if (kind == SqlLexer.SEMICOLON) {
                endStatement();
                return;
            }
            start();
            if (executePending) { // EXECUTE followed by something other than a name: nothing to resolve, unknowable
                executePending = false;
                statementMask |= StatementClass.ROUTINE.bit();
            }
            switch (kind) {
                case SqlLexer.LPAREN -> {
                    if (callPending) statementMask |= StatementClass.ROUTINE.bit();
                    depth++;
                }
                case SqlLexer.RPAREN -> depth = Math.max(0, depth - 1);
                case SqlLexer.STRING -> {
                    if (phase == COPY_SOURCE) { // COPY ... FROM/TO 'server file'
                        copyOutside();
                        phase = BODY;
                    }
                }
                default -> { }
            }
            callPending = false;
            previous = NOT_A_WORD;
        }

        private void start() {
            if (started) return;
            started = true;
            opsAtStart = ops.size();
        }

        private void endStatement() {
            if (!started) return; // an empty statement
            if (executePending) statementMask |= StatementClass.ROUTINE.bit(); // EXECUTE without a name
            if (lock && !accessShare) statementMask |= StatementClass.UPDATE.bit();
            if (explain && !analyze) {
                // not run: only the EXPLAIN itself counts, and EXECUTEs inside it run nothing
                statementMask = StatementClass.UTILITY.bit();
                while (ops.size() > opsAtStart) ops.removeLast();
            }
            if (statementMask == 0 && !hasExecute()) statementMask = StatementClass.OTHER.bit();
            if (preparing != null) op(new Classification.Prepare(preparing, statementMask));
            mask |= statementMask;
            statements++;
            started = false;
            phase = LEAD;
            depth = 0;
            statementMask = 0;
            previous = NOT_A_WORD;
            explain = analyze = lock = accessShare = callPending = executePending = false;
            preparing = null;
        }

        private boolean hasExecute() {
            for (int k = opsAtStart; k < ops.size(); k++) if (ops.get(k) instanceof Classification.Execute) return true;
            return false;
        }

        private void op(Classification.PreparedOp op) {
            if (ops.size() < OPS_LIMIT) ops.add(op);
            else tooManyOps = true;
        }

        Classification result() {
            endStatement();
            if (tooManyOps || lexer.lostTrack()) mask |= StatementClass.ROUTINE.bit();
            return new Classification(mask, statements, ops);
        }
    }
}
