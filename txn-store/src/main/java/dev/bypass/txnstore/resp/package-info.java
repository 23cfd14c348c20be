/**
 * A Redis-protocol front end on Netty's codec-redis ({@code RedisDecoder} with inline commands, bulk-string and
 * array aggregators, {@code RedisEncoder}). Keys live in store tables per database ({@code RedisData}): strings
 * and hash key entries carry their type and expiry (lazy expiry on access); hash fields are composite keys of a
 * second table. Each command runs in one serializable store transaction (reads in read-only ones, which never
 * abort); MULTI/EXEC runs the queue in one transaction retried on conflicts, and WATCH records the version each
 * key had and makes EXEC return a null array if any changed. SAVE/BGSAVE take store checkpoints; {@code BPF.RUN}
 * runs a loaded program as a transaction. Malformed input gets one {@code -ERR Protocol error} and a close.
 */
package dev.bypass.txnstore.resp;
