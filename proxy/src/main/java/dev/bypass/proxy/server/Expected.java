package dev.bypass.proxy.server;

import static dev.bypass.proxy.wire.MessageType.Backend.*;

import dev.bypass.proxy.wire.Parse;
import io.netty.buffer.ByteBuf;

/**
 * One reply the session is waiting for, in the order the requests went out. The proxy answers some requests itself
 * (a statement the server already has, a Close of a client-side name, a rejection by a hook) and prepares statements
 * on servers the client never asked for; keeping every reply in request order is what lets it do so without the
 * client noticing. {@code clientStatement} and {@code serverStatement} are what a Parse recorded, undone when the
 * server never created the statement.
 */
record Expected(Kind kind, ByteBuf synthetic, String clientStatement, Parse serverStatement, String serverName) {

    enum Kind {
        /** A client's Parse, forwarded (perhaps renamed): ends at ParseComplete. */
        PARSE,
        /** A Parse the proxy added so that the client's statement exists on this server: its ParseComplete is dropped. */
        INJECTED_PARSE,
        BIND,
        DESCRIBE,
        EXECUTE,
        CLOSE,
        /** Sync: ends at ReadyForQuery. */
        SYNC,
        /** Simple Query or FunctionCall: ends at ReadyForQuery, an error inside does not skip anything. */
        SIMPLE,
        /** Answered by the proxy: {@code synthetic} is written to the client when its turn comes. */
        SYNTHETIC,
        /** A Query the proxy sent itself (setting the client's parameters): every reply is dropped. */
        INJECTED_QUERY,
        /** A Close the proxy sent itself (a prepared statement evicted): its CloseComplete is dropped. */
        INJECTED_CLOSE,
        /** A simple query the server will reject: its error is replaced by {@code synthetic} (the proxy's refusal). */
        SUBSTITUTE
    }

    /** The expectations that carry nothing but their kind, one each (they are immutable). */
    private static final Expected[] PLAIN = java.util.Arrays.stream(Kind.values()).map(k -> new Expected(k, null, null, null, null)).toArray(Expected[]::new);

    static Expected of(Kind kind) { return PLAIN[kind.ordinal()]; }

    static Expected synthetic(ByteBuf reply) { return new Expected(Kind.SYNTHETIC, reply, null, null, null); }

    static Expected substituting(ByteBuf error) { return new Expected(Kind.SUBSTITUTE, error, null, null, null); }

    /** Whether {@code serverMessage} is the last reply the server sends for this request (errors handled apart). */
    boolean endsWith(byte serverMessage) {
        return switch (kind) {
            case PARSE, INJECTED_PARSE -> serverMessage == PARSE_COMPLETE;
            case BIND -> serverMessage == BIND_COMPLETE;
            case DESCRIBE -> serverMessage == ROW_DESCRIPTION || serverMessage == NO_DATA;
            case EXECUTE -> serverMessage == COMMAND_COMPLETE || serverMessage == EMPTY_QUERY_RESPONSE || serverMessage == PORTAL_SUSPENDED;
            case CLOSE, INJECTED_CLOSE -> serverMessage == CLOSE_COMPLETE;
            case SYNC, SIMPLE, INJECTED_QUERY, SUBSTITUTE -> serverMessage == READY_FOR_QUERY;
            case SYNTHETIC -> false;
        };
    }
}
