package dev.bypass.proxy.sql;

import java.nio.charset.StandardCharsets;

/**
 * The words the classifier looks for: the keywords that decide a statement's class, and built-in functions known to
 * change state. Looked up by a hash of the lower-cased bytes computed while the lexer scans the word, then checked
 * byte for byte, so the lexer never builds a string for a word.
 */
final class Words {
    private Words() {}

    static final int UNKNOWN = -1;

    /** Keywords first (ids 0..), in this order; their ids are the constants below. */
    private static final String[] KEYWORDS = {
            "select", "values", "table", "with", "insert", "update", "delete", "merge", "truncate", "explain",
            "analyze", "analyse", "verbose", "prepare", "transaction", "execute", "deallocate", "all", "copy", "from",
            "to", "program", "stdin", "stdout", "create", "alter", "drop", "comment", "grant", "revoke",
            "security", "reindex", "cluster", "refresh", "import", "reassign", "begin", "start", "commit", "end",
            "rollback", "abort", "savepoint", "release", "set", "reset", "show", "discard", "listen", "notify",
            "unlisten", "vacuum", "checkpoint", "fetch", "move", "close", "load", "do", "call", "declare",
            "lock", "into", "for", "share", "no", "key", "access", "role", "session", "local",
            "authorization", "as", "prepared", "plans", "sequences", "temp", "temporary"};

    static final int SELECT = 0, VALUES = 1, TABLE = 2, WITH = 3, INSERT = 4, UPDATE = 5, DELETE = 6, MERGE = 7,
            TRUNCATE = 8, EXPLAIN = 9, ANALYZE = 10, ANALYSE = 11, VERBOSE = 12, PREPARE = 13, TRANSACTION = 14,
            EXECUTE = 15, DEALLOCATE = 16, ALL = 17, COPY = 18, FROM = 19, TO = 20, PROGRAM = 21, STDIN = 22,
            STDOUT = 23, CREATE = 24, ALTER = 25, DROP = 26, COMMENT = 27, GRANT = 28, REVOKE = 29, SECURITY = 30,
            REINDEX = 31, CLUSTER = 32, REFRESH = 33, IMPORT = 34, REASSIGN = 35, BEGIN = 36, START = 37, COMMIT = 38,
            END = 39, ROLLBACK = 40, ABORT = 41, SAVEPOINT = 42, RELEASE = 43, SET = 44, RESET = 45, SHOW = 46,
            DISCARD = 47, LISTEN = 48, NOTIFY = 49, UNLISTEN = 50, VACUUM = 51, CHECKPOINT = 52, FETCH = 53, MOVE = 54,
            CLOSE = 55, LOAD = 56, DO = 57, CALL = 58, DECLARE = 59, LOCK = 60, INTO = 61, FOR = 62, SHARE = 63,
            NO = 64, KEY = 65, ACCESS = 66, ROLE = 67, SESSION = 68, LOCAL = 69, AUTHORIZATION = 70, AS = 71,
            PREPARED = 72, PLANS = 73, SEQUENCES = 74, TEMP = 75, TEMPORARY = 76;

    /**
     * Built-in functions that change state or run statements of their own: sequences, settings, advisory locks,
     * large objects (which also read and write server files), signalling and administering the server,
     * replication slots and origins, notifications, statistics resets, server files, dblink, and the XML functions
     * that run a query given as text. A call to one of them makes its statement {@link StatementClass#ROUTINE}.
     */
    private static final String[] FUNCTIONS = {
            "nextval", "setval", "set_config", "pg_advisory_lock", "pg_advisory_lock_shared", "pg_advisory_xact_lock",
            "pg_advisory_xact_lock_shared", "pg_try_advisory_lock", "pg_try_advisory_lock_shared",
            "pg_try_advisory_xact_lock", "pg_try_advisory_xact_lock_shared", "pg_advisory_unlock",
            "pg_advisory_unlock_shared", "pg_advisory_unlock_all", "lo_create", "lo_creat", "lo_import", "lo_export",
            "lo_unlink", "lo_from_bytea", "lo_put", "lo_open", "lowrite", "lo_write", "lo_truncate", "lo_truncate64",
            "pg_terminate_backend", "pg_cancel_backend", "pg_reload_conf", "pg_rotate_logfile", "pg_switch_wal",
            "pg_create_restore_point", "pg_promote", "pg_backup_start", "pg_backup_stop", "pg_wal_replay_pause",
            "pg_wal_replay_resume", "pg_create_physical_replication_slot", "pg_create_logical_replication_slot",
            "pg_drop_replication_slot", "pg_copy_physical_replication_slot", "pg_copy_logical_replication_slot",
            "pg_replication_slot_advance", "pg_logical_slot_get_changes", "pg_logical_slot_get_binary_changes",
            "pg_logical_emit_message", "pg_replication_origin_create", "pg_replication_origin_drop",
            "pg_replication_origin_advance", "pg_replication_origin_session_setup", "pg_notify", "pg_stat_reset",
            "pg_stat_reset_shared", "pg_stat_reset_single_table_counters", "pg_stat_reset_single_function_counters",
            "pg_stat_reset_slru", "pg_stat_reset_replication_slot", "pg_stat_reset_subscription_stats",
            "pg_file_write", "pg_file_rename", "pg_file_unlink", "pg_file_sync", "pg_log_backend_memory_contexts",
            "pg_import_system_collations", "dblink", "dblink_exec", "dblink_connect", "dblink_connect_u",
            "dblink_send_query", "dblink_open", "query_to_xml", "query_to_xmlschema", "query_to_xml_and_xmlschema",
            "cursor_to_xml", "cursor_to_xmlschema"};

    /** Ids of functions start here. */
    static final int FIRST_FUNCTION = KEYWORDS.length;

    private static final byte[][] BYTES = new byte[KEYWORDS.length + FUNCTIONS.length][];
    private static final int TABLE_BITS = 10;
    /** Open addressing: hash slot to word id + 1 (0 is empty). */
    private static final int[] SLOTS = new int[1 << TABLE_BITS];
    static final int MAX_LENGTH;

    static {
        int max = 0;
        for (int i = 0; i < BYTES.length; i++) {
            String w = i < KEYWORDS.length ? KEYWORDS[i] : FUNCTIONS[i - KEYWORDS.length];
            BYTES[i] = w.getBytes(StandardCharsets.US_ASCII);
            max = Math.max(max, BYTES[i].length);
            int h = 0x811c9dc5;
            for (byte b : BYTES[i]) h = step(h, b);
            int slot = h & (SLOTS.length - 1);
            while (SLOTS[slot] != 0) slot = (slot + 1) & (SLOTS.length - 1);
            SLOTS[slot] = i + 1;
        }
        MAX_LENGTH = max;
    }

    /** One step of the 32-bit FNV-1a hash the lexer keeps while scanning a word. */
    static int step(int hash, int b) { return (hash ^ (b & 0xff)) * 0x01000193; }

    static final int HASH_START = 0x811c9dc5;

    /** The id of the word in {@code text[0..length)} (already lower-cased) with this hash, or {@link #UNKNOWN}. */
    static int lookup(int hash, byte[] text, int length) {
        if (length > MAX_LENGTH) return UNKNOWN;
        int slot = hash & (SLOTS.length - 1);
        for (int id; (id = SLOTS[slot]) != 0; slot = (slot + 1) & (SLOTS.length - 1)) {
            byte[] w = BYTES[id - 1];
            if (w.length == length && java.util.Arrays.equals(w, 0, length, text, 0, length)) return id - 1;
        }
        return UNKNOWN;
    }

    static boolean isFunction(int id) { return id >= FIRST_FUNCTION; }

    static String name(int id) {
        return id < 0 ? "?" : id < KEYWORDS.length ? KEYWORDS[id] : FUNCTIONS[id - KEYWORDS.length];
    }
}
