/**
 * Programs as stored procedures. {@link dev.bypass.txnstore.programs.StoreHelpers} defines the helpers
 * (begin, table, get, put, delete, scan with a callback, commit, abort) with prototypes the verifier checks;
 * {@link dev.bypass.txnstore.programs.StoredProcedures} runs a program with them bound to a store and re-runs it
 * when its commit fails validation, and keeps libraries loaded at run time ({@code BPF.LOAD}) in the store.
 * Bundled C examples under {@code dev/bypass/txnstore/bpf} (bank transfer,
 * TPC-C-style new-order, File/ACL tables) are built by {@code build.sh} with {@code clang -O2 -g -target bpf}.
 */
package dev.bypass.txnstore.programs;
