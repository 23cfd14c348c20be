package dev.bypass.proxy.wire;

/** The request codes that share the untyped start-up frame with StartupMessage. */
public final class StartupCodes {
    private StartupCodes() {}

    public static final int SSL_REQUEST = 80877103;
    public static final int GSSENC_REQUEST = 80877104;
    public static final int CANCEL_REQUEST = 80877102;

    /** The one-byte answers to an SSLRequest (and a GSSENCRequest): go ahead with the handshake, or stay in plain text. */
    public static final byte SSL_ACCEPTED = 'S';
    public static final byte SSL_REFUSED = 'N';
}
