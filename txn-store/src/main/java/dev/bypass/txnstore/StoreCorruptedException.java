package dev.bypass.txnstore;

/**
 * A log or checkpoint file is damaged in a way recovery cannot repair without losing acknowledged commits; the
 * message names the file and offset. The store refuses to open rather than silently drop data.
 */
public final class StoreCorruptedException extends StoreException {
    public StoreCorruptedException(String message) { super(message); }
}
