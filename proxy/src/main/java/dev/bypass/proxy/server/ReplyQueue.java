package dev.bypass.proxy.server;

import dev.bypass.proxy.pool.ServerConnection;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * The replies one client is owed, in the order its requests went out, and the writes to that client. The proxy
 * answers some requests itself ({@link Expected.Kind#SYNTHETIC}): such an answer waits here until every earlier
 * request has had its reply, so that the client reads the answers in the order it asked. Confined to the client's
 * event loop, as its session is: writes go straight to the channel, flushed once per read burst.
 */
final class ReplyQueue {
    private final Channel client;
    private final ArrayDeque<Expected> expected = new ArrayDeque<>();

    ReplyQueue(Channel client) { this.client = client; }

    /** A request went to the server: its reply comes later. */
    void expect(Expected reply) { expected.add(reply); }

    /** A reply made by the proxy, delivered after the replies to every earlier request. */
    void answer(ByteBuf reply) { answer(Expected.synthetic(reply)); }

    /** A reply made by the proxy (with what it recorded), delivered after the replies to every earlier request. */
    void answer(Expected synthetic) {
        expected.add(synthetic);
        if (expected.size() == 1) deliverSynthetic();
    }

    /** Writes the proxy's own replies that are next in line. */
    void deliverSynthetic() {
        Expected e;
        while ((e = expected.peek()) != null && e.kind() == Expected.Kind.SYNTHETIC) {
            expected.poll();
            write(e.synthetic());
        }
    }

    Expected head() { return expected.peek(); }

    /** The head's reply is complete: the next request's turn (and the proxy's answers right behind it). */
    void completeHead() {
        Expected done = expected.poll();
        if (done != null && done.synthetic() != null) done.synthetic().release();
        deliverSynthetic();
    }

    boolean isEmpty() { return expected.isEmpty(); }

    int size() { return expected.size(); }

    /** The last expected reply becomes {@code e} (a streamed query's own reply is the last one expected). */
    void replaceLast(Expected e) {
        Iterator<Expected> it = expected.descendingIterator();
        if (it.hasNext()) {
            it.next();
            it.remove();
        }
        expected.add(e);
    }

    /**
     * An extended-protocol error: the server ignores everything up to the next Sync, so the replies expected for
     * those requests never come, and statements their Parses recorded were never created. True when the Sync is
     * not sent yet (the client's requests up to it are to be skipped too).
     */
    boolean serverSkipsToSync(ServerConnection s, StatementRegistry statements) {
        Expected e;
        while ((e = expected.peek()) != null && e.kind() != Expected.Kind.SYNC) {
            expected.poll();
            if (e.clientStatement() != null) statements.remove(e.clientStatement());
            if (e.serverStatement() != null) s.forgetPrepared(e.serverStatement(), e.serverName());
            if (e.synthetic() != null) e.synthetic().release();
        }
        return expected.isEmpty();
    }

    /** Nothing more is owed (the server went): the proxy's pending answers are freed. */
    void clear() {
        Expected e;
        while ((e = expected.poll()) != null) if (e.synthetic() != null) e.synthetic().release();
    }

    /** Writes to the client, in the order of the calls; {@link #flush} sends. */
    void write(ByteBuf message) { client.write(message, client.voidPromise()); }

    void flush() { client.flush(); }

    @Override
    public String toString() { return expected.toString(); }
}
