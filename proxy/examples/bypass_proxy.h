/* bypass_proxy.h: the Bypass proxy's program ABI (printed by `bypass gen header proxy`).
 *
 * Build: clang -O2 -g -target bpf -c prog.c -o prog.o   (with bpf/bpf_helpers.h from libbpf)
 * Attach: in the proxy's configuration file, section [programs], one key per hook:
 *     query = guard.o            (the object's one program of the hook's section)
 *     query = policies.o:deny_ddl (a program by its function name)
 * Every program is verified before it is attached; RELOAD swaps programs atomically.
 *
 * Contexts are read-only. Names are NUL-padded char arrays read at constant offsets; the statement text is
 * reached as Linux's direct packet access: compare a pointer with data_end before loading through it.
 * Hashes are FNV-1a 64 over UTF-8 bytes (bypass_hash below computes the same).
 */
#ifndef BYPASS_PROXY_H
#define BYPASS_PROXY_H

#include <linux/bpf.h> /* __u64 and friends, map types, flags */

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/* Program sections, one per hook. */
#define BYPASS_SEC_CONNECT "bypass/connect"
#define BYPASS_SEC_AUTH "bypass/proxy_auth"
#define BYPASS_SEC_QUERY "bypass/query"
#define BYPASS_SEC_RESULT "bypass/result"
#define BYPASS_SEC_ROUTE "bypass/proxy_route"
#define BYPASS_SEC_MIRROR "bypass/proxy_mirror"

/* Verdicts of the connect, auth and query hooks (as Linux's cgroup hooks). */
#define BYPASS_DENY 0
#define BYPASS_ALLOW 1

/* Statement classes (stmt_class; bit (1 << class) in stmt_mask). */
#define BYPASS_CLASS_OTHER 0
#define BYPASS_CLASS_SELECT 1
#define BYPASS_CLASS_INSERT 2
#define BYPASS_CLASS_UPDATE 3
#define BYPASS_CLASS_DELETE 4
#define BYPASS_CLASS_DDL 5
#define BYPASS_CLASS_TRANSACTION 6
#define BYPASS_CLASS_UTILITY 7
#define BYPASS_CLASS_ROUTINE 8

/* protocol: how the statement came. */
#define BYPASS_PROTO_SIMPLE 0
#define BYPASS_PROTO_PARSE 1
#define BYPASS_PROTO_BIND 2
#define BYPASS_PROTO_FUNCTION_CALL 3

/* session.client_family */
#define BYPASS_AF_UNIX 1
#define BYPASS_AF_INET 2
#define BYPASS_AF_INET6 10

/* bypass_auth_ctx.method */
#define BYPASS_AUTH_TRUST 0
#define BYPASS_AUTH_CLEARTEXT 1
#define BYPASS_AUTH_MD5 2
#define BYPASS_AUTH_SCRAM_SHA_256 3
#define BYPASS_AUTH_CERT 4
#define BYPASS_AUTH_PEER 5

/* Who, from where: the last member of every context. */
struct bypass_session {
	__u64 role_hash; /* 0: FNV-1a 64 of the role name's UTF-8 bytes (bypass_hash in C) */
	__u64 db_hash; /* 8: FNV-1a 64 of the database name */
	__u64 app_hash; /* 16: FNV-1a 64 of application_name as it is now (0 for an empty one) */
	__u32 client_ip4; /* 24: client IPv4 address as a host-order number (127.0.0.1 is 0x7f000001); 0 otherwise */
	__u32 client_port; /* 28: client TCP port; 0 for a Unix socket */
	__u32 client_family; /* 32: BYPASS_AF_INET, BYPASS_AF_INET6 or BYPASS_AF_UNIX */
	__u32 tls; /* 36: 1 when the client is connected over TLS */
	__u8 client_ip6[16]; /* 40: client IPv6 address in network order; zero otherwise */
	__u32 in_transaction; /* 56: 1 when the client has a transaction open (its server is in a transaction) */
	__u32 client_id; /* 60: the client's id, as SHOW CLIENTS names it */
	char role[64]; /* 64: role name, NUL-padded (a longer name is cut at 63 bytes; role_hash covers all of it) */
	char database[64]; /* 128: database name, NUL-padded */
	char application_name[64]; /* 192: application_name, NUL-padded */
};

/* Hook connect: SEC("bypass/connect") runs when a client has sent its StartupMessage, before authentication.
 * Returns: 1 lets the client log in; 0 refuses it with SQLSTATE 28000 naming the program.
 * Helpers: bpf_map_lookup_elem, bpf_map_update_elem, bpf_map_delete_elem, bpf_ktime_get_ns, bpf_trace_printk, bpf_get_prandom_u32, bpf_get_smp_processor_id, bpf_spin_lock, bpf_spin_unlock, bpf_ringbuf_output, bpf_ringbuf_reserve, bpf_ringbuf_submit, bpf_ringbuf_discard, bpf_ringbuf_query, bpf_ktime_get_coarse_ns, bpf_loop, bpf_strncmp.
 */
struct bypass_connect_ctx {
	__u64 role_hash; /* 0: as session.role_hash */
	__u64 db_hash; /* 8: as session.db_hash */
	__u32 client_ip; /* 16: as session.client_ip4 */
	__u32 client_port; /* 20: as session.client_port */
	struct bypass_session session; /* offset 24 */
};
_Static_assert(sizeof(struct bypass_connect_ctx) == 280, "bypass_connect_ctx layout");

/* Hook auth: SEC("bypass/proxy_auth") runs when a client has proved who it is, before it is admitted.
 * Returns: 1 admits the authenticated client; 0 refuses it with SQLSTATE 28000 naming the program.
 * Helpers: bpf_map_lookup_elem, bpf_map_update_elem, bpf_map_delete_elem, bpf_ktime_get_ns, bpf_trace_printk, bpf_get_prandom_u32, bpf_get_smp_processor_id, bpf_spin_lock, bpf_spin_unlock, bpf_ringbuf_output, bpf_ringbuf_reserve, bpf_ringbuf_submit, bpf_ringbuf_discard, bpf_ringbuf_query, bpf_ktime_get_coarse_ns, bpf_loop, bpf_strncmp.
 */
struct bypass_auth_ctx {
	__u64 role_hash; /* 0: as session.role_hash */
	__u64 db_hash; /* 8: as session.db_hash */
	__u32 method; /* 16: how the client proved who it is: BYPASS_AUTH_TRUST .. BYPASS_AUTH_PEER */
	__u32 tls; /* 20: as session.tls */
	struct bypass_session session; /* offset 24 */
};
_Static_assert(sizeof(struct bypass_auth_ctx) == 280, "bypass_auth_ctx layout");

/* Hook query: SEC("bypass/query") runs for each Query, Parse, Bind of a named statement and FunctionCall, before it reaches a server.
 * Returns: 1 lets the statement through; 0 refuses it with SQLSTATE 42501 naming the program (the session goes on).
 * Helpers: bpf_map_lookup_elem, bpf_map_update_elem, bpf_map_delete_elem, bpf_ktime_get_ns, bpf_trace_printk, bpf_get_prandom_u32, bpf_get_smp_processor_id, bpf_spin_lock, bpf_spin_unlock, bpf_ringbuf_output, bpf_ringbuf_reserve, bpf_ringbuf_submit, bpf_ringbuf_discard, bpf_ringbuf_query, bpf_ktime_get_coarse_ns, bpf_loop, bpf_strncmp, bypass_fingerprint.
 */
struct bypass_query_ctx {
	__u64 text_hash; /* 0: the statement's fingerprint: constants, case and white space folded (bypass_fingerprint) */
	__u64 role_hash; /* 8: as session.role_hash */
	__u32 stmt_class; /* 16: the most harmful statement class present (BYPASS_CLASS_*), from the proxy's lexer */
	__u32 length; /* 20: the full text length in bytes (data_end - data is at most 65536) */
	__u32 stmt_mask; /* 24: every class present, bit (1 << BYPASS_CLASS_*) */
	__u32 statements; /* 28: statements in the text */
	__u32 protocol; /* 32: BYPASS_PROTO_SIMPLE (Query), _PARSE (Parse), _BIND (Bind of a named statement), _FUNCTION_CALL */
	__u32 named; /* 36: 1 for a Parse or Bind of a named prepared statement (a Parse prepares it; each execution is a Bind) */
	__u64 data; /* 40: first byte of the statement text (read-only; cast (void *)(long)ctx->data) */
	__u64 data_end; /* 48: one past its last byte */
	struct bypass_session session; /* offset 56 */
};
_Static_assert(sizeof(struct bypass_query_ctx) == 312, "bypass_query_ctx layout");

/* Hook result: SEC("bypass/result") runs for each CommandComplete passing from a server to the client.
 * Returns: ignored (return 0).
 * Helpers: bpf_map_lookup_elem, bpf_map_update_elem, bpf_map_delete_elem, bpf_ktime_get_ns, bpf_trace_printk, bpf_get_prandom_u32, bpf_get_smp_processor_id, bpf_spin_lock, bpf_spin_unlock, bpf_ringbuf_output, bpf_ringbuf_reserve, bpf_ringbuf_submit, bpf_ringbuf_discard, bpf_ringbuf_query, bpf_ktime_get_coarse_ns, bpf_loop, bpf_strncmp, bypass_fingerprint.
 */
struct bypass_result_ctx {
	__u64 role_hash; /* 0: as session.role_hash */
	__u32 stmt_class; /* 8: class of the command tag's first word (BYPASS_CLASS_*) */
	__u32 reserved; /* 12: zero */
	__u64 rows; /* 16: rows in the command tag (SELECT 5, INSERT 0 5, UPDATE 5); 0 when it has none */
	__u64 duration_ns; /* 24: nanoseconds from the statement's request (or the previous statement's completion in the same query) to this CommandComplete */
	char tag[32]; /* 32: the command tag, NUL-padded ("SELECT 5", "CREATE TABLE") */
	struct bypass_session session; /* offset 64 */
};
_Static_assert(sizeof(struct bypass_result_ctx) == 320, "bypass_result_ctx layout");

/* Hook route: SEC("bypass/proxy_route") runs when a transaction starts (transaction pooling with replicas set).
 * Returns: the target: 0 the database's own server, i (1..replicas) the i-th replicas entry; anything else means 0.
 * Helpers: bpf_map_lookup_elem, bpf_map_update_elem, bpf_map_delete_elem, bpf_ktime_get_ns, bpf_trace_printk, bpf_get_prandom_u32, bpf_get_smp_processor_id, bpf_spin_lock, bpf_spin_unlock, bpf_ringbuf_output, bpf_ringbuf_reserve, bpf_ringbuf_submit, bpf_ringbuf_discard, bpf_ringbuf_query, bpf_ktime_get_coarse_ns, bpf_loop, bpf_strncmp, bypass_fingerprint.
 */
struct bypass_route_ctx {
	__u64 role_hash; /* 0: as session.role_hash */
	__u32 stmt_class; /* 8: class of the transaction's first statement (BYPASS_CLASS_*) */
	__u32 replicas; /* 12: number of entries of the replicas setting */
	__u32 protocol; /* 16: as in the query context */
	__u32 length; /* 20: full text length; 0 when the first request is a Bind (no text) */
	__u64 data; /* 24: the first statement's text, read-only (empty for a Bind) */
	__u64 data_end; /* 32: one past its last byte */
	struct bypass_session session; /* offset 40 */
};
_Static_assert(sizeof(struct bypass_route_ctx) == 296, "bypass_route_ctx layout");

/* Hook mirror: SEC("bypass/proxy_mirror") runs for each allowed request, when mirror is set.
 * Returns: 1 copies the (allowed) request to the mirror server; 0 does not.
 * Helpers: bpf_map_lookup_elem, bpf_map_update_elem, bpf_map_delete_elem, bpf_ktime_get_ns, bpf_trace_printk, bpf_get_prandom_u32, bpf_get_smp_processor_id, bpf_spin_lock, bpf_spin_unlock, bpf_ringbuf_output, bpf_ringbuf_reserve, bpf_ringbuf_submit, bpf_ringbuf_discard, bpf_ringbuf_query, bpf_ktime_get_coarse_ns, bpf_loop, bpf_strncmp, bypass_fingerprint.
 */
struct bypass_mirror_ctx {
	__u64 role_hash; /* 0: as session.role_hash */
	__u32 stmt_class; /* 8: as in the query context */
	__u32 length; /* 12: full text length */
	__u32 protocol; /* 16: as in the query context */
	__u32 reserved; /* 20: zero */
	__u64 data; /* 24: the statement text, read-only */
	__u64 data_end; /* 32: one past its last byte */
	struct bypass_session session; /* offset 40 */
};
_Static_assert(sizeof(struct bypass_mirror_ctx) == 296, "bypass_mirror_ctx layout");

/* The statement's fingerprint (as text_hash of the query context): the hook's statement, normalised with constants,
 * case and white space folded, hashed. In the result hook: the statement the client last sent. 0 when there is none. */
static __u64 (* const bypass_fingerprint)(void *ctx) = (void *) 10300;

/* FNV-1a 64, the hash of role_hash, db_hash and app_hash, over a NUL-terminated string of at most 64 bytes. */
static __always_inline __u64 bypass_hash(const char *s)
{
	__u64 h = 0xcbf29ce484222325ULL;
#pragma unroll
	for (int i = 0; i < 64 && s[i]; i++) {
		h ^= (unsigned char) s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

#endif /* BYPASS_PROXY_H */
