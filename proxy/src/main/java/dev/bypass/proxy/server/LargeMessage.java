package dev.bypass.proxy.server;

import dev.bypass.proxy.config.Settings;
import dev.bypass.proxy.hooks.QueryHook;
import dev.bypass.proxy.hooks.QueryRequest;
import dev.bypass.proxy.pool.PoolStats;
import dev.bypass.proxy.pool.ServerConnection;
import dev.bypass.proxy.sql.Classification;
import dev.bypass.proxy.sql.StatementClassifier;
import dev.bypass.proxy.wire.Bind;
import dev.bypass.proxy.wire.ErrorResponse;
import dev.bypass.proxy.wire.MessageType.Frontend;
import dev.bypass.proxy.wire.Messages;
import dev.bypass.proxy.wire.Parse;
import dev.bypass.proxy.wire.PgFrame;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * A client message too large to gather, passing to its server in pieces: where the pieces go, and, for a Query, how
 * its text is being judged. The text is classified as it passes; at its NUL the query hook decides, and a refused
 * query's remaining bytes go out as 0x01, which makes the server reject the message, its error replaced by the
 * refusal. Runs on the session's event loop.
 */
final class LargeMessage {
    final ServerConnection to;
    final byte type;
    /** Nothing goes to the server (a refused message, or CopyData without a COPY under way). */
    final boolean discard;
    /** Query: still in the text (before its NUL); the classification under way; the text's first bytes for the hook. */
    private boolean inText;
    private StatementClassifier.Streaming classifier;
    private byte[] prefix;
    private int prefixLength;
    private long textLength;
    /** The query was refused: the rest of its bytes go out as 0x01. */
    private boolean refused;

    private LargeMessage(ServerConnection to, byte type, boolean discard) {
        this.to = to;
        this.type = type;
        this.discard = discard;
    }

    /** The pieces that follow a large message the proxy answered itself are dropped. */
    static LargeMessage discarding(byte type) { return new LargeMessage(null, type, true); }

    /** The head of a large message, to the held server {@code s}. */
    static LargeMessage start(ClientSession session, ServerConnection s, PgFrame head, boolean renames) {
        byte type = head.type();
        LargeMessage m = new LargeMessage(s, type, false);
        ByteBuf frame = head.frame();
        ReplyQueue replies = session.replies;
        switch (type) {
            case Frontend.QUERY -> {
                m.inText = true;
                m.classifier = StatementClassifier.streaming(session.hooks.rawBackslashes());
                m.prefix = new byte[QueryRequest.TEXT_LIMIT];
                s.write(frame.retainedSlice(frame.readerIndex(), 5));
                replies.expect(Expected.of(Expected.Kind.SIMPLE));
                m.queryText(session, frame.slice(frame.readerIndex() + 5, frame.readableBytes() - 5));
            }
            case Frontend.BIND -> {
                Bind b = Bind.decode(head.body());
                Parse definition = renames ? session.statements.definition(b.statement()) : null;
                if (definition == null) {
                    s.write(frame.retainedDuplicate());
                } else {
                    String name = session.statements.ensurePrepared(s, definition, session.stats(), session.maxPrepared());
                    // the same message with the server's name for the statement: its length changes by the names' difference
                    long bodyLength = head.length() - 5 - b.statement().getBytes(StandardCharsets.UTF_8).length + name.getBytes(StandardCharsets.UTF_8).length;
                    ByteBuf h = s.channel().alloc().buffer();
                    h.writeByte(Frontend.BIND).writeInt((int) (bodyLength + 4));
                    Messages.writeCString(h, b.portal());
                    Messages.writeCString(h, name);
                    h.writeBytes(b.rest(), b.rest().readerIndex(), b.rest().readableBytes());
                    s.write(h);
                }
                replies.expect(Expected.of(Expected.Kind.BIND));
            }
            case Frontend.FUNCTION_CALL -> {
                s.write(frame.retainedDuplicate());
                replies.expect(Expected.of(Expected.Kind.SIMPLE));
            }
            default -> s.write(frame.retainedDuplicate()); // CopyData: no reply of its own
        }
        return m;
    }

    /** A further piece, to the server the head went to. */
    void piece(ClientSession session, ByteBuf data, PoolStats stats) {
        stats.received(data.readableBytes());
        if (type == Frontend.QUERY) queryText(session, data);
        else to.write(data.retainedDuplicate());
    }

    /** Text bytes of a large Query: judged as they pass; at its NUL the hook decides what the server gets. */
    private void queryText(ClientSession session, ByteBuf bytes) {
        if (!bytes.isReadable()) return;
        if (!inText) {
            writeRest(bytes);
            return;
        }
        int nul = bytes.indexOf(bytes.readerIndex(), bytes.writerIndex(), (byte) 0);
        int textEnd = nul < 0 ? bytes.writerIndex() : nul;
        int n = textEnd - bytes.readerIndex();
        byte[] piece = new byte[n];
        bytes.getBytes(bytes.readerIndex(), piece);
        classifier.feed(piece, 0, n);
        int keep = Math.min(n, prefix.length - prefixLength);
        System.arraycopy(piece, 0, prefix, prefixLength, keep);
        prefixLength += keep;
        textLength += n;
        to.write(bytes.retainedSlice(bytes.readerIndex(), n));
        if (nul < 0) return;
        inText = false;
        Classification c = classifier.finish();
        var sqlPrepared = session.statements.sqlPrepared();
        QueryRequest request = new QueryRequest(session.user, session.database, QueryRequest.Kind.QUERY, prefix, prefixLength, textLength,
                c.mask() | sqlPrepared.effects(c), c.statements());
        QueryHook.Verdict v = session.hooks.onQuery(request);
        if (v.allowed()) {
            sqlPrepared.apply(c);
            session.proxy.countStatements(ProxyServer.Protocol.SIMPLE, c.statements());
        } else {
            // the server has the text so far: without its NUL it cannot read the message, and answers an error that
            // the proxy replaces with the refusal
            refused = true;
            session.replies.replaceLast(Expected.substituting(ErrorResponse.of("ERROR", v.sqlState(), v.message()).encode(session.channel().alloc())));
            if (session.proxy.config().get(Settings.LOG_POOLER_ERRORS)) session.proxy.log().info(session.prefix() + "query refused: " + v.message());
        }
        writeRest(bytes.slice(nul, bytes.writerIndex() - nul));
    }

    private void writeRest(ByteBuf bytes) {
        if (!bytes.isReadable()) return;
        if (refused) {
            ByteBuf filler = to.channel().alloc().buffer(bytes.readableBytes());
            for (int i = bytes.readableBytes(); i > 0; i--) filler.writeByte(1);
            to.write(filler);
        } else {
            to.write(bytes.retainedDuplicate());
        }
    }
}
