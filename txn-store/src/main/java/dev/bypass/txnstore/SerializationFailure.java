package dev.bypass.txnstore;

/**
 * A transaction could not commit because a concurrent one committed a conflicting write first; nothing it wrote
 * is visible. Run it again ({@link Store#run} does so automatically).
 */
public final class SerializationFailure extends StoreException {
    public SerializationFailure(String message) { super(message); }
}
