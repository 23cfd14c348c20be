/**
 * Benchmarks of the store: money transfers as a stored procedure, as Java and over RESP; YCSB workloads against
 * H2 MVStore; write latency while checkpoints run; and the small clients and probes they use.
 */
package dev.bypass.bench.store;
