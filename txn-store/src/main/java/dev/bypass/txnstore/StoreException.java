package dev.bypass.txnstore;

/** A store operation failed; the message says what and where. */
public class StoreException extends RuntimeException {
    public StoreException(String message) { super(message); }

    public StoreException(String message, Throwable cause) { super(message, cause); }
}
