package dev.bypass.proxy.wire;

/** A peer sent bytes that are not a valid protocol message; the message says what and where. */
public final class ProtocolException extends RuntimeException {
    public ProtocolException(String message) { super(message, null, false, false); }
}
