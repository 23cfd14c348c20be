package dev.bypass.txnstore;

/** A key and its value as a transaction sees them. */
public record Entry(byte[] key, byte[] value) {}
