package dev.bypass.proxy.server;

import dev.bypass.proxy.pool.Mirror;
import dev.bypass.proxy.wire.Bind;
import dev.bypass.proxy.wire.MessageType.Frontend;
import dev.bypass.proxy.wire.Parse;
import dev.bypass.proxy.wire.PgFrame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;

/**
 * One session's share of mirroring: a simple query the mirror hook picks is copied to the shadow at once; an
 * extended batch starting with a Parse of the unnamed statement is copied frame by frame up to its Sync and sent
 * then (a batch that turns to a named statement is not mirrored: the shadow would not know it). Runs on the
 * session's event loop.
 */
final class MirrorBatch {
    private final ProxyServer proxy;
    private final ClientSession session;
    /** Copies of the client's extended-protocol frames since a mirrored Parse, sent to the shadow at Sync. */
    private List<ByteBuf> batch;

    MirrorBatch(ProxyServer proxy, ClientSession session) {
        this.proxy = proxy;
        this.session = session;
    }

    /** Whether a batch is being copied ({@link #follow} wants the client's next frames). */
    boolean copying() { return batch != null; }

    /** A Query or Parse the mirror hook picked. */
    void start(PgFrame frame) {
        if (frame.type() == Frontend.QUERY) {
            submit(frame.frame().copy());
        } else if (batch == null && Parse.decode(frame.body()).statement().isEmpty()) {
            batch = new ArrayList<>();
            batch.add(frame.frame().copy());
        }
    }

    /** The next client frame while an extended batch is being copied. */
    void follow(PgFrame frame) {
        byte type = frame.type();
        boolean fits = !frame.streamed() && switch (type) {
            case Frontend.BIND -> Bind.decode(frame.body()).statement().isEmpty();
            case Frontend.DESCRIBE, Frontend.EXECUTE, Frontend.CLOSE, Frontend.FLUSH, Frontend.SYNC -> true;
            case Frontend.PARSE -> Parse.decode(frame.body()).statement().isEmpty();
            default -> false;
        };
        if (!fits) {
            drop();
            return;
        }
        batch.add(frame.frame().copy());
        if (type == Frontend.SYNC) {
            ByteBuf all = Unpooled.wrappedBuffer(batch.toArray(ByteBuf[]::new));
            batch = null;
            submit(all);
        }
    }

    /** To the shadow, unless mirroring was switched off meanwhile (RELOAD). */
    private void submit(ByteBuf request) {
        Mirror mirror = proxy.mirror();
        if (mirror != null) mirror.submit(session.database, session.user, request);
        else request.release();
    }

    /** What the primary refuses (or never gets), the shadow does not run either. */
    void drop() {
        if (batch == null) return;
        for (ByteBuf b : batch) b.release();
        batch = null;
    }
}
