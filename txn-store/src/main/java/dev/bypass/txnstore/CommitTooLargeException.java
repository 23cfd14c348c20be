package dev.bypass.txnstore;

/** A commit was refused because its log record would exceed {@link StoreOptions#maxRecordBytes()}; nothing was written. */
public final class CommitTooLargeException extends StoreException {
    public CommitTooLargeException(String message) { super(message); }
}
