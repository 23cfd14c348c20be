package dev.bypass.proxy.hooks;

import dev.bypass.vm.verification.ProgramType;
import dev.bypass.programs.ProgramTypes;
import dev.bypass.vm.ctx.ContextField;
import dev.bypass.vm.ctx.ContextLayout;
import dev.bypass.vm.helpers.HelperIds;
import dev.bypass.vm.helpers.HelperRegistry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The proxy's program ABI, written once: for each hook its section, its context structure (offsets, C types,
 * meaning), its return convention and the helpers it may call. The verifier's program types
 * ({@link Hook#type()}), the encoders that fill contexts ({@link ProgramHooks}) and the C header
 * ({@link #header()}, printed by {@code bypass gen header proxy}) all come from these descriptions.
 *
 * <p>Every context ends with the same {@code struct bypass_session} (who, from where, over what); the fields before
 * it keep the offsets the bundled {@code query_guard} object was built against, so it verifies against these types.
 * The statement text of the query, route and mirror hooks is a read-only region reached as Linux's direct packet
 * access is: {@code data} and {@code data_end} are pointers, and the verifier accepts a load only where a comparison
 * with {@code data_end} proved it inside. Its {@code data} fields are not writable, which for a packet-start field
 * makes the verifier refuse stores into the text.
 */
public final class ProxyAbi {
    private ProxyAbi() {}

    /** The header's file name ({@code #include "bypass_proxy.h"}). */
    public static final String HEADER_NAME = "bypass_proxy.h";

    /** Bytes of each bounded name (role, database, application_name), NUL-padded, as PostgreSQL's NAMEDATALEN. */
    public static final int NAME_BYTES = 64;
    /** Bytes of the command tag in the result context, NUL-padded (a longer tag is cut at 31 bytes). */
    public static final int TAG_BYTES = 32;

    /** The host helper that fingerprints the hook's statement. */
    public static final int FINGERPRINT = HelperRegistry.FIRST_HOST_ID + 300;

    /** One field of a context as C declares it; arrays are {@code count} elements of {@code size} bytes. */
    public record Field(String name, String cType, int offset, int size, int count, ContextField.Kind kind, String doc) {
        static Field u64(String name, int offset, String doc) { return new Field(name, "__u64", offset, 8, 1, ContextField.Kind.SCALAR, doc); }

        static Field u32(String name, int offset, String doc) { return new Field(name, "__u32", offset, 4, 1, ContextField.Kind.SCALAR, doc); }

        static Field chars(String name, int offset, int bytes, String doc) { return new Field(name, "char", offset, 1, bytes, ContextField.Kind.SCALAR, doc); }

        /** The {@code data} / {@code data_end} pair bounding a read-only statement text, as in XDP's context. */
        static Field data(int offset, String doc) { return new Field("data", "__u64", offset, 8, 1, ContextField.Kind.PACKET_START, doc); }

        static Field dataEnd(int offset) { return new Field("data_end", "__u64", offset, 8, 1, ContextField.Kind.PACKET_END, "one past its last byte"); }

        int bytes() { return size * count; }
    }

    /** The session block every context ends with, at {@link Hook#sessionOffset()}. */
    public static final List<Field> SESSION = List.of(
            Field.u64("role_hash", 0, "FNV-1a 64 of the role name's UTF-8 bytes (bypass_hash in C)"),
            Field.u64("db_hash", 8, "FNV-1a 64 of the database name"),
            Field.u64("app_hash", 16, "FNV-1a 64 of application_name as it is now (0 for an empty one)"),
            Field.u32("client_ip4", 24, "client IPv4 address as a host-order number (127.0.0.1 is 0x7f000001); 0 otherwise"),
            Field.u32("client_port", 28, "client TCP port; 0 for a Unix socket"),
            Field.u32("client_family", 32, "BYPASS_AF_INET, BYPASS_AF_INET6 or BYPASS_AF_UNIX"),
            Field.u32("tls", 36, "1 when the client is connected over TLS"),
            new Field("client_ip6", "__u8", 40, 1, 16, ContextField.Kind.SCALAR, "client IPv6 address in network order; zero otherwise"),
            Field.u32("in_transaction", 56, "1 when the client has a transaction open (its server is in a transaction)"),
            Field.u32("client_id", 60, "the client's id, as SHOW CLIENTS names it"),
            Field.chars("role", 64, NAME_BYTES, "role name, NUL-padded (a longer name is cut at 63 bytes; role_hash covers all of it)"),
            Field.chars("database", 64 + NAME_BYTES, NAME_BYTES, "database name, NUL-padded"),
            Field.chars("application_name", 64 + 2 * NAME_BYTES, NAME_BYTES, "application_name, NUL-padded"));
    public static final int SESSION_BYTES = 64 + 3 * NAME_BYTES;

    /** Helpers every hook may call (Linux ids: maps, time, randomness, ring buffers, spin locks, bounded loops). */
    private static final Map<Integer, String> BASE_HELPERS = helpers(HelperIds.MAP_LOOKUP_ELEM, "bpf_map_lookup_elem",
            HelperIds.MAP_UPDATE_ELEM, "bpf_map_update_elem", HelperIds.MAP_DELETE_ELEM, "bpf_map_delete_elem",
            HelperIds.KTIME_GET_NS, "bpf_ktime_get_ns", HelperIds.KTIME_GET_COARSE_NS, "bpf_ktime_get_coarse_ns",
            HelperIds.GET_PRANDOM_U32, "bpf_get_prandom_u32", HelperIds.GET_SMP_PROCESSOR_ID, "bpf_get_smp_processor_id",
            HelperIds.TRACE_PRINTK, "bpf_trace_printk", HelperIds.SPIN_LOCK, "bpf_spin_lock", HelperIds.SPIN_UNLOCK, "bpf_spin_unlock",
            HelperIds.RINGBUF_OUTPUT, "bpf_ringbuf_output", HelperIds.RINGBUF_RESERVE, "bpf_ringbuf_reserve",
            HelperIds.RINGBUF_SUBMIT, "bpf_ringbuf_submit", HelperIds.RINGBUF_DISCARD, "bpf_ringbuf_discard",
            HelperIds.RINGBUF_QUERY, "bpf_ringbuf_query", HelperIds.LOOP, "bpf_loop", HelperIds.STRNCMP, "bpf_strncmp");

    private static Map<Integer, String> helpers(Object... idName) {
        Map<Integer, String> m = new LinkedHashMap<>();
        for (int i = 0; i < idName.length; i += 2) m.put((Integer) idName[i], (String) idName[i + 1]);
        return m;
    }

    /** The hooks: section, context and return convention. */
    public enum Hook {
        CONNECT("connect", "bypass/connect", "bypass_connect_ctx", 24, false, List.of(
                Field.u64("role_hash", 0, "as session.role_hash"), Field.u64("db_hash", 8, "as session.db_hash"),
                Field.u32("client_ip", 16, "as session.client_ip4"), Field.u32("client_port", 20, "as session.client_port")),
                "1 lets the client log in; 0 refuses it with SQLSTATE 28000 naming the program",
                "when a client has sent its StartupMessage, before authentication"),
        AUTH("auth", "bypass/proxy_auth", "bypass_auth_ctx", 24, false, List.of(
                Field.u64("role_hash", 0, "as session.role_hash"), Field.u64("db_hash", 8, "as session.db_hash"),
                Field.u32("method", 16, "how the client proved who it is: BYPASS_AUTH_TRUST .. BYPASS_AUTH_PEER"),
                Field.u32("tls", 20, "as session.tls")),
                "1 admits the authenticated client; 0 refuses it with SQLSTATE 28000 naming the program",
                "when a client has proved who it is, before it is admitted"),
        QUERY("query", "bypass/query", "bypass_query_ctx", 56, true, List.of(
                Field.u64("text_hash", 0, "the statement's fingerprint: constants, case and white space folded (bypass_fingerprint)"),
                Field.u64("role_hash", 8, "as session.role_hash"),
                Field.u32("stmt_class", 16, "the most harmful statement class present (BYPASS_CLASS_*), from the proxy's lexer"),
                Field.u32("length", 20, "the full text length in bytes (data_end - data is at most 65536)"),
                Field.u32("stmt_mask", 24, "every class present, bit (1 << BYPASS_CLASS_*)"),
                Field.u32("statements", 28, "statements in the text"),
                Field.u32("protocol", 32, "BYPASS_PROTO_SIMPLE (Query), _PARSE (Parse), _BIND (Bind of a named statement), _FUNCTION_CALL"),
                Field.u32("named", 36, "1 for a Parse or Bind of a named prepared statement (a Parse prepares it; each execution is a Bind)"),
                Field.data(40, "first byte of the statement text (read-only; cast (void *)(long)ctx->data)"),
                Field.dataEnd(48)),
                "1 lets the statement through; 0 refuses it with SQLSTATE 42501 naming the program (the session goes on)",
                "for each Query, Parse, Bind of a named statement and FunctionCall, before it reaches a server"),
        RESULT("result", "bypass/result", "bypass_result_ctx", 64, false, List.of(
                Field.u64("role_hash", 0, "as session.role_hash"),
                Field.u32("stmt_class", 8, "class of the command tag's first word (BYPASS_CLASS_*)"),
                Field.u32("reserved", 12, "zero"),
                Field.u64("rows", 16, "rows in the command tag (SELECT 5, INSERT 0 5, UPDATE 5); 0 when it has none"),
                Field.u64("duration_ns", 24, "nanoseconds from the statement's request (or the previous statement's completion in the same query) to this CommandComplete"),
                Field.chars("tag", 32, TAG_BYTES, "the command tag, NUL-padded (\"SELECT 5\", \"CREATE TABLE\")")),
                "ignored (return 0)",
                "for each CommandComplete passing from a server to the client"),
        ROUTE("route", "bypass/proxy_route", "bypass_route_ctx", 40, true, List.of(
                Field.u64("role_hash", 0, "as session.role_hash"),
                Field.u32("stmt_class", 8, "class of the transaction's first statement (BYPASS_CLASS_*)"),
                Field.u32("replicas", 12, "number of entries of the replicas setting"),
                Field.u32("protocol", 16, "as in the query context"),
                Field.u32("length", 20, "full text length; 0 when the first request is a Bind (no text)"),
                Field.data(24, "the first statement's text, read-only (empty for a Bind)"),
                Field.dataEnd(32)),
                "the target: 0 the database's own server, i (1..replicas) the i-th replicas entry; anything else means 0",
                "when a transaction starts (transaction pooling with replicas set)"),
        MIRROR("mirror", "bypass/proxy_mirror", "bypass_mirror_ctx", 40, true, List.of(
                Field.u64("role_hash", 0, "as session.role_hash"),
                Field.u32("stmt_class", 8, "as in the query context"),
                Field.u32("length", 12, "full text length"),
                Field.u32("protocol", 16, "as in the query context"),
                Field.u32("reserved", 20, "zero"),
                Field.data(24, "the statement text, read-only"),
                Field.dataEnd(32)),
                "1 copies the (allowed) request to the mirror server; 0 does not",
                "for each allowed request, when mirror is set");

        private final String key, section, struct, returns, when;
        private final int sessionOffset;
        private final boolean text;
        private final List<Field> fields;
        private final ProgramType type;

        Hook(String key, String section, String struct, int sessionOffset, boolean text, List<Field> fields, String returns, String when) {
            this.key = key;
            this.section = section;
            this.struct = struct;
            this.sessionOffset = sessionOffset;
            this.text = text;
            this.fields = fields;
            this.returns = returns;
            this.when = when;
            List<ContextField> cf = new ArrayList<>();
            for (Field f : fields) addContextFields(cf, f, 0, "");
            for (Field f : SESSION) addContextFields(cf, f, sessionOffset, "session.");
            this.type = new ProgramType("proxy_" + key, section, ContextLayout.of(struct, sessionOffset + SESSION_BYTES, cf.toArray(ContextField[]::new)));
        }

        /** The key of the [programs] section. */
        public String key() { return key; }

        public String section() { return section; }

        public String struct() { return struct; }

        public int sessionOffset() { return sessionOffset; }

        public int contextSize() { return sessionOffset + SESSION_BYTES; }

        /** Whether the context carries the statement text (data, data_end). */
        public boolean hasText() { return text; }

        public List<Field> fields() { return fields; }

        public String returns() { return returns; }

        /** The verifier's program type: the section and the context layout. */
        public ProgramType type() { return type; }

        /** Linux helper ids (and the proxy's own) this hook's programs may call. */
        public Set<Integer> helpers() {
            Set<Integer> s = new java.util.TreeSet<>(BASE_HELPERS.keySet());
            if (this != CONNECT && this != AUTH) s.add(FINGERPRINT);
            return s;
        }

        public static Hook forKey(String key) {
            for (Hook h : values()) if (h.key.equals(key.toLowerCase(Locale.ROOT))) return h;
            return null;
        }

        public static List<String> keys() { return java.util.Arrays.stream(values()).map(Hook::key).toList(); }
    }

    /**
     * Arrays are declared as 8-byte (or narrower at the end) scalar fields: the verifier allows any naturally
     * aligned load inside one, at constant offsets, as C reads {@code ctx->session.role[i]} with a constant i.
     */
    private static void addContextFields(List<ContextField> out, Field f, int base, String prefix) {
        if (f.count() == 1) {
            out.add(new ContextField(prefix + f.name(), base + f.offset(), f.size(), false, f.kind()));
            return;
        }
        for (int at = 0; at < f.bytes(); ) {
            int n = Math.min(8, f.bytes() - at);
            while (Integer.bitCount(n) != 1) n--;
            out.add(ContextField.readOnly(prefix + f.name() + "[" + at + "]", base + f.offset() + at, n));
            at += n;
        }
    }

    /** Every hook's program type, registered. */
    public static ProgramTypes types() {
        ProgramTypes t = new ProgramTypes();
        for (Hook h : Hook.values()) t.register(h.type());
        return t;
    }

    /** The hook whose section a program's section names, or null. */
    public static Hook forSection(String section) {
        for (Hook h : Hook.values()) if (h.type().matches(section)) return h;
        return null;
    }

    /** The name of an allowed helper, for messages. */
    public static String helperName(int id) {
        if (id == FINGERPRINT) return "bypass_fingerprint";
        return BASE_HELPERS.getOrDefault(id, "helper #" + id);
    }

    /** The C header programs include: the context structs, constants, the proxy's helpers, per hook the rules. */
    public static String header() {
        StringBuilder b = new StringBuilder();
        b.append("/* ").append(HEADER_NAME).append(": the Bypass proxy's program ABI (printed by `bypass gen header proxy`).\n")
                .append(" *\n")
                .append(" * Build: clang -O2 -g -target bpf -c prog.c -o prog.o   (with bpf/bpf_helpers.h from libbpf)\n")
                .append(" * Attach: in the proxy's configuration file, section [programs], one key per hook:\n")
                .append(" *     query = guard.o            (the object's one program of the hook's section)\n")
                .append(" *     query = policies.o:deny_ddl (a program by its function name)\n")
                .append(" * Every program is verified before it is attached; RELOAD swaps programs atomically.\n")
                .append(" *\n")
                .append(" * Contexts are read-only. Names are NUL-padded char arrays read at constant offsets; the statement text is\n")
                .append(" * reached as Linux's direct packet access: compare a pointer with data_end before loading through it.\n")
                .append(" * Hashes are FNV-1a 64 over UTF-8 bytes (bypass_hash below computes the same).\n */\n")
                .append("#ifndef BYPASS_PROXY_H\n#define BYPASS_PROXY_H\n\n#include <linux/bpf.h> /* __u64 and friends, map types, flags */\n\n#ifndef __always_inline\n#define __always_inline inline __attribute__((always_inline))\n#endif\n\n");
        b.append("/* Program sections, one per hook. */\n");
        for (Hook h : Hook.values())
            b.append("#define BYPASS_SEC_").append(h.key.toUpperCase(Locale.ROOT)).append(" \"").append(h.section).append("\"\n");
        b.append("\n/* Verdicts of the connect, auth and query hooks (as Linux's cgroup hooks). */\n#define BYPASS_DENY 0\n#define BYPASS_ALLOW 1\n");
        b.append("\n/* Statement classes (stmt_class; bit (1 << class) in stmt_mask). */\n");
        for (dev.bypass.proxy.sql.StatementClass c : dev.bypass.proxy.sql.StatementClass.values())
            b.append("#define BYPASS_CLASS_").append(c.label().toUpperCase(Locale.ROOT)).append(' ').append(c.id).append('\n');
        b.append("\n/* protocol: how the statement came. */\n#define BYPASS_PROTO_SIMPLE 0\n#define BYPASS_PROTO_PARSE 1\n#define BYPASS_PROTO_BIND 2\n#define BYPASS_PROTO_FUNCTION_CALL 3\n");
        b.append("\n/* session.client_family */\n#define BYPASS_AF_UNIX 1\n#define BYPASS_AF_INET 2\n#define BYPASS_AF_INET6 10\n");
        b.append("\n/* bypass_auth_ctx.method */\n");
        for (dev.bypass.proxy.config.ProxyConfig.ClientAuth a : dev.bypass.proxy.config.ProxyConfig.ClientAuth.values())
            b.append("#define BYPASS_AUTH_").append(a.name()).append(' ').append(a.ordinal()).append('\n');
        b.append("\n/* Who, from where: the last member of every context. */\nstruct bypass_session {\n");
        for (Field f : SESSION) member(b, f);
        b.append("};\n");
        for (Hook h : Hook.values()) {
            b.append("\n/* Hook ").append(h.key).append(": SEC(\"").append(h.section).append("\") runs ").append(h.when).append(".\n")
                    .append(" * Returns: ").append(h.returns).append(".\n")
                    .append(" * Helpers: ").append(String.join(", ", h.helpers().stream().map(ProxyAbi::helperName).toList())).append(".\n */\n")
                    .append("struct ").append(h.struct).append(" {\n");
            for (Field f : h.fields) member(b, f);
            b.append("\tstruct bypass_session session; /* offset ").append(h.sessionOffset).append(" */\n};\n")
                    .append("_Static_assert(sizeof(struct ").append(h.struct).append(") == ").append(h.contextSize()).append(", \"").append(h.struct)
                    .append(" layout\");\n");
        }
        b.append("""

                /* The statement's fingerprint (as text_hash of the query context): the hook's statement, normalised with constants,
                 * case and white space folded, hashed. In the result hook: the statement the client last sent. 0 when there is none. */
                static __u64 (* const bypass_fingerprint)(void *ctx) = (void *) %d;

                /* FNV-1a 64, the hash of role_hash, db_hash and app_hash, over a NUL-terminated string of at most 64 bytes. */
                static __always_inline __u64 bypass_hash(const char *s)
                {
                \t__u64 h = 0xcbf29ce484222325ULL;
                #pragma unroll
                \tfor (int i = 0; i < 64 && s[i]; i++) {
                \t\th ^= (unsigned char) s[i];
                \t\th *= 0x100000001b3ULL;
                \t}
                \treturn h;
                }

                #endif /* BYPASS_PROXY_H */
                """.formatted(FINGERPRINT));
        return b.toString();
    }

    private static void member(StringBuilder b, Field f) {
        b.append('\t').append(f.cType()).append(' ').append(f.name());
        if (f.count() > 1) b.append('[').append(f.count()).append(']');
        b.append("; /* ").append(f.offset()).append(": ").append(f.doc()).append(" */\n");
    }
}
