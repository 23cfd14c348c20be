/**
 * An embedded multi-versioned transactional store: ordered tables, snapshot isolation and serializable
 * transactions, a write-ahead log with group commit, snapshot checkpoints, helpers for programs, and a RESP server.
 */
package dev.bypass.txnstore;
