package dev.bypass.proxy.server;

import dev.bypass.proxy.config.Settings.PoolMode;
import dev.bypass.proxy.pool.ServerConnection;
import dev.bypass.proxy.wire.ErrorResponse;
import dev.bypass.proxy.wire.MessageType.Backend;
import dev.bypass.proxy.wire.Messages;
import dev.bypass.proxy.wire.ParameterStatus;
import dev.bypass.proxy.wire.PgFrame;
import dev.bypass.proxy.wire.ReadyForQuery;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * The replies one client is owed, in the order its requests went out, and the writes to that client. Each server
 * message is matched against the oldest request still unanswered: it passes to the client, or is dropped when it
 * answers something the proxy sent itself (a Parse preparing the client's statement on this server, a Close of an
 * evicted one, the SET of the client's parameters), or is replaced (a refusal of a large query). An error in an
 * extended-protocol batch makes the server skip to the Sync, and the replies owed up to it with it. The proxy answers
 * some requests itself ({@link Expected.Kind#SYNTHETIC}): such an answer waits here until every earlier request has
 * had its reply, so that the client reads the answers in the order it asked. A ReadyForQuery ends a Query or a Sync:
 * the pool's query and transaction times are taken then, and the result hook hears of each CommandComplete. Confined
 * to the client's event loop, as its session is: writes go straight to the channel, flushed once per read burst.
 */
final class ReplyQueue {
    /** What a server message meant for the session. */
    enum Delivery {
        /** Not a reply to a request (a notice, a parameter report, a message nobody asked for). */
        ASIDE,
        /** An error in an extended-protocol batch: the server ignores the client's requests up to its Sync. */
        SKIPPING,
        /** A reply, forwarded or dropped. */
        REPLY,
        /** A ReadyForQuery after which nothing more is owed: the server may go back to the pool. */
        ALL_ANSWERED
    }

    private final ClientSession session;
    private final Channel client;
    private final ArrayDeque<Expected> expected = new ArrayDeque<>();
    /** When the oldest unanswered request went out, when the transaction began (0: none is under way). */
    private long requestStartNanos, transactionStartNanos;
    /** When the statement whose CommandComplete comes next began (its request sent, or the previous one completed). */
    private long statementStartNanos;

    ReplyQueue(ClientSession session, Channel client) {
        this.session = session;
        this.client = client;
    }

    /** A request goes to the server now: the clocks of the request and of its transaction start if they are not running. */
    void sending() {
        if (requestStartNanos == 0) requestStartNanos = System.nanoTime();
        if (statementStartNanos == 0) statementStartNanos = requestStartNanos;
        if (transactionStartNanos == 0) transactionStartNanos = System.nanoTime();
    }

    /** When the oldest unanswered request went out (0: none). */
    long requestStartNanos() { return requestStartNanos; }

    /** An error answered the SET statements the proxy sent for the client's parameters (until their ReadyForQuery). */
    private boolean settingFailed;

    /** A message from the session's server: matched against the oldest request unanswered, passed on or dropped. */
    Delivery fromServer(ServerConnection s, PgFrame frame) {
        byte type = frame.type();
        s.pool().statistics().sent(frame.length());
        if (type == Backend.NOTICE_RESPONSE || type == Backend.NOTIFICATION_RESPONSE) { // unsolicited
            write(frame.frame().retainedDuplicate());
            return Delivery.ASIDE;
        }
        if (type == Backend.PARAMETER_STATUS) { // a parameter the client changed (or the proxy set)
            Expected head = expected.peek();
            boolean toClient = head == null || head.kind() != Expected.Kind.INJECTED_QUERY;
            session.parameters.reported(ParameterStatus.decode(frame.body()), toClient);
            if (toClient) write(frame.frame().retainedDuplicate());
            return Delivery.ASIDE;
        }
        deliverSynthetic();
        Expected head = expected.peek();
        if (head == null) { // nothing asked (e.g. the server shutting down): pass it on
            write(frame.frame().retainedDuplicate());
            return Delivery.ASIDE;
        }
        if (head.kind() == Expected.Kind.INJECTED_QUERY || head.kind() == Expected.Kind.INJECTED_CLOSE) {
            if (type == Backend.ERROR_RESPONSE) {
                if (head.kind() == Expected.Kind.INJECTED_QUERY) settingFailed = true;
                session.proxy.log().warning(session.prefix() + "setting the client's parameters on its server failed: " + ErrorResponse.decode(frame.body()).message());
            } else if (type == Backend.READY_FOR_QUERY && head.kind() == Expected.Kind.INJECTED_QUERY) {
                if (!settingFailed) session.parameters.settled(s.parameters());
                settingFailed = false;
            }
        } else if (type == Backend.ERROR_RESPONSE && head.kind() == Expected.Kind.SUBSTITUTE) {
            write(head.synthetic().retainedDuplicate()); // the refusal instead of the server's complaint
        } else if (type == Backend.ERROR_RESPONSE && head.kind() != Expected.Kind.SIMPLE) {
            write(frame.frame().retainedDuplicate());
            return serverSkipsToSync(s) ? Delivery.SKIPPING : Delivery.REPLY;
        } else if (head.kind() != Expected.Kind.INJECTED_PARSE) {
            write(frame.streamed() ? frame.frame().retainedSlice() : frame.frame().retainedDuplicate());
            if (type == Backend.COMMAND_COMPLETE) {
                long now = System.nanoTime(), started = statementStartNanos;
                statementStartNanos = now; // the next statement of the same query starts here
                session.hooks.onResult(Messages.readCString(frame.body().duplicate()), started == 0 ? 0 : now - started);
            }
        }
        if (!head.endsWith(type)) return Delivery.REPLY;
        if (type == Backend.PARSE_COMPLETE && head.serverStatement() != null) s.pool().parsedOk(head.serverStatement());
        if (type == Backend.READY_FOR_QUERY && head.kind() != Expected.Kind.INJECTED_QUERY) requestAnswered(s);
        completeHead();
        return type == Backend.READY_FOR_QUERY && expected.isEmpty() ? Delivery.ALL_ANSWERED : Delivery.REPLY;
    }

    /** A request was answered (ReadyForQuery): the pool's query and transaction times. */
    private void requestAnswered(ServerConnection s) {
        statementStartNanos = 0;
        long now = System.nanoTime();
        boolean idle = s.transactionStatus() == ReadyForQuery.IDLE;
        long started = requestStartNanos == 0 ? now : requestStartNanos;
        long xact = transactionStartNanos == 0 ? 0 : now - transactionStartNanos;
        s.pool().statistics().answered((now - started) / 1000, idle, xact / 1000);
        requestStartNanos = expected.size() > 1 ? now : 0;
        if (idle) transactionStartNanos = 0;
        session.lastRequestNanos = now;
        if (session.mode == PoolMode.STATEMENT && !idle) {
            // statement pooling: the server goes back after each query, so a transaction cannot span statements
            // (the session ends after the reply in hand is delivered)
            client.eventLoop().execute(() -> session.fatal("0A000", "transaction blocks not allowed in statement pooling mode"));
        }
    }

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

    /** The head's reply is complete: the next request's turn (and the proxy's answers right behind it). */
    private void completeHead() {
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
    private boolean serverSkipsToSync(ServerConnection s) {
        StatementRegistry statements = session.statements;
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
