/**
 * A Redis-protocol front end on Netty's codec-redis ({@code RedisDecoder} with inline commands, bulk-string and
 * array aggregators, {@code RedisEncoder}). Keys live in store tables per database ({@code RedisData}): strings
 * and hash key entries carry their type and expiry (lazy expiry on access); hash fields are composite keys of a
 * second table. Each command runs in one serializable store transaction (reads in read-only ones, which never
 * abort); MULTI/EXEC runs the queue in one transaction retried on conflicts, and WATCH records the version each
 * key had and makes EXEC return a null array if any changed. SAVE/BGSAVE take store checkpoints; {@code BPF.RUN}
 * runs a loaded program as a transaction and {@code BPF.LOAD} loads one into the running store. Malformed input gets
 * one {@code -ERR Protocol error} and a close. Who may connect and run what: {@link dev.bypass.txnstore.resp.RespAccess}
 * (address, TLS, protected mode) and {@code Acl} (Redis 6-style users), checked before a command is queued or run.
 */
package dev.bypass.txnstore.resp;
