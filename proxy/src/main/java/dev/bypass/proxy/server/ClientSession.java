package dev.bypass.proxy.server;

import dev.bypass.proxy.config.DatabaseConfig;
import dev.bypass.proxy.config.ProxyConfig;
import dev.bypass.proxy.config.Settings;
import dev.bypass.proxy.config.Settings.PoolMode;
import dev.bypass.proxy.config.UserConfig;
import dev.bypass.proxy.hooks.QueryHook;
import dev.bypass.proxy.hooks.QueryRequest;
import dev.bypass.proxy.pool.Pool;
import dev.bypass.proxy.pool.PoolStats;
import dev.bypass.proxy.pool.ServerConnection;
import dev.bypass.proxy.sql.Classification;
import dev.bypass.proxy.sql.StatementClass;
import dev.bypass.proxy.wire.*;
import dev.bypass.proxy.wire.MessageType.Backend;
import dev.bypass.proxy.wire.MessageType.Frontend;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.Map;

/**
 * One client connection, and the coordinator of its parts: {@link LoginStage} (start-up, TLS, authentication),
 * then the relay: every frame goes to a server connection from the pool, held for the whole session in session
 * pooling; in transaction (statement) pooling taken at the first message and given back at a ReadyForQuery that says
 * idle once every Query and Sync the client sent has been answered, so extended-protocol batches stay on one server
 * until their Sync. {@link HookDispatch} asks the hooks, {@link StatementRegistry} renames prepared statements across
 * servers, {@link ReplyQueue} keeps replies in request order, {@link MirrorBatch} copies to the shadow,
 * {@link LargeMessage} passes messages too large to gather in pieces, {@link ClientParameters} keeps the parameters
 * tracked for the client (client_encoding, DateStyle, ...) and sets them on each server it gets, and the
 * {@link AdminConsole} answers console sessions.
 *
 * <p>Threading: a session, its parts and its link to the server it holds are confined to the client channel's event
 * loop. The server connection delivers its callbacks there ({@link ServerConnection.ServerUser#eventLoop()}); pool
 * acquisitions, auth_query results, timers, cancel requests and console commands hop onto it ({@link #onLoop}) before
 * they touch the session. Other threads only read the few volatile fields SHOW CLIENTS and the limits display
 * (phase, server, waiting, last request, names), so no lock is taken on the data path.
 */
final class ClientSession extends ChannelInboundHandlerAdapter implements ServerConnection.ServerUser {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Classification.Deallocate DROP_ALL = new Classification.Deallocate(null);

    /** LOGGING_IN: the client proved who it is, the proxy is still logging in to a server for it. */
    enum Phase { STARTUP, AUTH, LOGGING_IN, READY, CLOSED }

    final ProxyServer proxy;
    final PgFrameDecoder decoder;
    private Channel client;
    volatile Phase phase = Phase.STARTUP;
    final long openedNanos = System.nanoTime();
    final long openedMillis = System.currentTimeMillis();
    final int processId;
    final int secretKey = RANDOM.nextInt();

    // ---- who the client is (set by the login stage) ----
    volatile String user, database;
    DatabaseConfig db;
    /** The client connection runs over TLS. */
    volatile boolean tls;
    /** An admin console session, and whether it may change state (admin_users) or only look (stats_users). */
    volatile boolean admin, adminPrivileged;
    /** Counted in max_client_conn (the proxy sets and clears it). */
    volatile boolean countedAsClient;
    /** What the client asked for at start-up, the values of the parameters tracked for it since, what it was told. */
    final ClientParameters parameters;
    volatile String applicationName = "";
    PoolMode mode = PoolMode.SESSION;

    // ---- the parts ----
    final HookDispatch hooks;
    private final LoginStage login;
    ReplyQueue replies;
    StatementRegistry statements;
    private MirrorBatch mirror;
    /** Where the pieces of the client's current large message go (null: none is under way). */
    private LargeMessage streamed;

    // ---- the relay ----
    /** The pool this client's requests go to (the primary's; the route hook may pick a replica's per transaction). */
    volatile Pool pool;
    private volatile ServerConnection server;
    private volatile boolean acquiring;
    /** The request waits because of PAUSE or SUSPEND, not in the pool's line: RESUME starts its acquisition. */
    private boolean heldByPause;
    /** Counts the pool waits this session started: a server handed for any but the latest one is not attached. */
    private int waits;
    private volatile long waitingSinceNanos;
    /** Requests waiting for a server, in order. */
    private final ArrayDeque<Object> queued = new ArrayDeque<>();
    /** Frames that arrived while logging in to a server, replayed once the login completes. */
    private final ArrayDeque<Object> early = new ArrayDeque<>();
    /** Extended-protocol messages were sent since the last Sync. */
    private boolean inExtended;
    /** After an error in an extended-protocol batch: drop the client's messages until its Sync. */
    private boolean skipUntilSync;
    /** When the client last sent something or was last answered (volatile: SHOW CLIENTS reads it). */
    volatile long lastRequestNanos = System.nanoTime();
    private volatile String closeReason;

    ClientSession(ProxyServer proxy, PgFrameDecoder decoder, int processId) {
        this.proxy = proxy;
        this.decoder = decoder;
        this.processId = processId;
        this.parameters = new ClientParameters(proxy);
        this.hooks = new HookDispatch(this, proxy);
        this.login = new LoginStage(this, proxy);
    }

    String user() { return user; }

    String database() { return database; }

    boolean isAdmin() { return admin; }

    boolean adminPrivileged() { return adminPrivileged; }

    String applicationName() { return applicationName; }

    boolean tls() { return tls; }

    Phase phase() { return phase; }

    long bytesReceived() { return decoder.received(); }

    Channel channel() { return client; }

    /** The server this client holds now (a snapshot when read from another thread). */
    ServerConnection currentServer() { return server; }

    /** The pool this client uses (null before login and for the console). */
    Pool poolIfAny() { return pool; }

    /** SHOW CLIENTS' state: active (linked or idle), waiting (for a server), login. */
    String state() {
        if (phase != Phase.READY) return "login";
        return acquiring ? "waiting" : "active";
    }

    long waitingMicros() { return acquiring ? (System.nanoTime() - waitingSinceNanos) / 1000 : 0; }

    long lastRequestMillis() { return openedMillis + (lastRequestNanos - openedNanos) / 1_000_000; }

    int preparedStatementCount() { return statements == null ? 0 : statements.count(); }

    @Override
    public EventLoop eventLoop() { return client.eventLoop(); }

    /** A CancelRequest with this session's key: relayed to the server running its query, if any. */
    void cancelRequested() {
        if (client == null) return;
        onLoop(() -> {
            ServerConnection s = server;
            if (s != null && s.key() != null && s.remoteAddress() != null) proxy.sendCancel(s.remoteAddress(), s.key().processId(), s.key().secretKey());
        });
    }

    /** Whether the client is inside a transaction on its server (for the hooks). */
    boolean inTransaction() {
        ServerConnection s = server;
        return s != null && s.transactionStatus() != ReadyForQuery.IDLE;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        client = ctx.channel();
        replies = new ReplyQueue(this, client);
        statements = new StatementRegistry(replies, client);
        proxy.sessionOpened(this);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof PgChunk chunk) {
                chunk.retain();
                fromClientChunk(chunk);
                return;
            }
            if (msg instanceof RefusedFrame refused) {
                refusedFrame(refused);
                return;
            }
            PgFrame frame = (PgFrame) msg;
            switch (phase) {
                case STARTUP -> login.startup(frame);
                case AUTH -> login.authenticate(frame);
                // A client may send its first queries right behind the start-up (trust needs no round trip):
                // they wait until the login is complete, as PostgreSQL leaves them in its socket buffer.
                case LOGGING_IN -> early.add(frame.retain());
                case READY -> {
                    lastRequestNanos = System.nanoTime();
                    fromClient(frame);
                }
                case CLOSED -> { }
            }
        } catch (ProtocolException e) {
            fatal("08P01", "protocol violation: " + e.getMessage());
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ServerConnection s = server;
        if (s != null) s.flush();
        if (phase == Phase.READY) replies.flush(); // replies the proxy gave itself
    }

    // ---- login ----

    /** The login stage is done (the client has its first ReadyForQuery): what it sent meanwhile goes on. */
    void loginComplete() { replay(early); }

    private MirrorBatch mirror() {
        if (mirror == null) mirror = new MirrorBatch(proxy, this);
        return mirror;
    }

    /** Hands the queued messages to the relay in order; a protocol error ends the session and the rest are only released. */
    private void replay(ArrayDeque<Object> messages) {
        Object m;
        while ((m = messages.poll()) != null) {
            try {
                if (phase == Phase.CLOSED) continue;
                if (m instanceof PgFrame f) fromClient(f);
                else if (m instanceof PgChunk c) {
                    c.retain();
                    fromClientChunk(c);
                }
            } catch (ProtocolException e) {
                fatal("08P01", "protocol violation: " + e.getMessage());
            } finally {
                ReferenceCountUtil.release(m);
            }
        }
    }

    // ---- the relay: client to server ----

    private void fromClient(PgFrame frame) {
        byte type = frame.type();
        if (proxy.verbose() >= 2) trace("client -> '" + (char) type + "' server=" + (server == null ? null : server.key()) + " skip=" + skipUntilSync + " acquiring=" + acquiring);
        if (type == Frontend.TERMINATE) {
            closeReason = "client close request";
            client.close();
            return;
        }
        if (admin) {
            proxy.admin().handle(this, frame);
            return;
        }
        if (type == Frontend.QUERY && proxy.config().get(Settings.DISABLE_PQEXEC)) {
            fatal("08P01", "the simple query protocol is not allowed here (disable_pqexec)");
            return;
        }
        if (skipUntilSync) {
            if (type != Frontend.SYNC) {
                if (frame.streamed()) streamed = LargeMessage.discarding(type);
                return;
            }
            skipUntilSync = false;
        }
        if (mirror != null && mirror.copying()) mirror.follow(frame);
        QueryRequest request = null;
        boolean streamedQuery = frame.streamed() && type == Frontend.QUERY;
        if (!streamedQuery && (type == Frontend.QUERY || type == Frontend.PARSE || type == Frontend.FUNCTION_CALL)) {
            request = hooks.classify(frame, statements);
            if (!allowed(request, type)) {
                if (frame.streamed()) streamed = LargeMessage.discarding(type);
                return;
            }
            Classification c = hooks.lastClassification();
            if (c != null) {
                statements.sqlPrepared().apply(c);
                if (c.ops().contains(DROP_ALL)) frame.mark(PgFrame.DROPS_PREPARED);
                if (type == Frontend.PARSE)
                    statements.classified(Messages.readCString(frame.body()), request.primary(), hooks.wantsBinds() ? request.forBind() : null);
            }
            if (type == Frontend.QUERY) proxy.countStatements(ProxyServer.Protocol.SIMPLE, request.statements());
            else if (type == Frontend.FUNCTION_CALL) proxy.countStatements(ProxyServer.Protocol.FUNCTION_CALL, 1);
            if (proxy.mirror() != null && type != Frontend.FUNCTION_CALL && !frame.streamed() && hooks.mirror(request)) mirror().start(frame);
            if (type == Frontend.QUERY && mode == PoolMode.TRANSACTION && request.startsWithKeyword("LISTEN")) {
                refuse(type, "0A000", "LISTEN is not supported in transaction pooling mode; use session mode");
                return;
            }
        } else if (type == Frontend.EXECUTE) {
            proxy.countStatements(ProxyServer.Protocol.EXTENDED, 1);
        } else if (type == Frontend.BIND && !frame.streamed() && statements.judgesBinds()) {
            QueryRequest bound = statements.boundText(Bind.decode(frame.body()).statement());
            if (bound != null && !allowed(bound, type)) return;
        }
        if (pool != null) {
            if (type == Frontend.BIND) pool.statistics().bind();
            else if (type == Frontend.PARSE && mode != PoolMode.SESSION) pool.statistics().clientParse();
        }
        if (type == Frontend.PARSE || type == Frontend.BIND || type == Frontend.DESCRIBE || type == Frontend.EXECUTE || type == Frontend.CLOSE) inExtended = true;
        if (type == Frontend.SYNC) {
            inExtended = false;
            if (server == null && queued.isEmpty() && !acquiring) {
                // Nothing outstanding and no server held: the answer is known without asking one.
                replies.answer(new ReadyForQuery(ReadyForQuery.IDLE).encode(client.alloc()));
                replies.flush();
                return;
            }
        }
        if (server != null && queued.isEmpty()) {
            toServer(frame);
            return;
        }
        if (type == Frontend.PARSE && queued.isEmpty() && !acquiring && prepareWithoutServer(frame)) return;
        queued.add(frame.retain());
        if (acquiring) return;
        startAcquire(frame == queued.peek() ? request : null);
    }

    /** Runs the query hook; false when it refused (the refusal is answered in order). */
    private boolean allowed(QueryRequest request, byte type) {
        QueryHook.Verdict v = hooks.onQuery(request);
        if (v.allowed()) return true;
        refuse(type, v.sqlState(), v.message());
        if (proxy.config().get(Settings.LOG_POOLER_ERRORS)) proxy.log().info(prefix() + "query refused: " + v.message());
        return false;
    }

    /** A request the proxy refuses itself: an error in request order, then ReadyForQuery or skipping until Sync. */
    private void refuse(byte type, String sqlState, String message) {
        if (mirror != null) mirror.drop(); // what the primary refuses, the shadow does not run either
        replies.answer(ErrorResponse.of("ERROR", sqlState, message).encode(client.alloc()));
        // a simple Query and a FunctionCall end with ReadyForQuery; an extended batch is skipped up to its Sync
        if (type == Frontend.QUERY || type == Frontend.FUNCTION_CALL) {
            ServerConnection s = server;
            replies.answer(new ReadyForQuery(s == null ? ReadyForQuery.IDLE : s.transactionStatus()).encode(client.alloc()));
        } else {
            skipUntilSync = true;
        }
        replies.flush();
    }

    /** A message larger than the whole buffer budget: its body is skipped, the client told why. */
    private void refusedFrame(RefusedFrame r) {
        if (phase != Phase.READY) fatal("54000", r.reason());
        else refuse(r.type(), "54000", r.reason() + " (buffer_budget)");
    }

    /**
     * A named statement prepared outside a transaction (transaction mode) whose definition a server of the pool has
     * parsed before: answered at once and prepared later on whichever server the client uses, so that a client
     * preparing with a blocking call (libpq's PQprepare: Parse, Sync) needs no server while all are held, possibly
     * by clients sharing its thread. False when the usual path must take it.
     */
    private boolean prepareWithoutServer(PgFrame frame) {
        if (!tracksStatements() || frame.streamed()) return false;
        Parse p = Parse.decode(frame.body());
        if (p.statement().isEmpty() || statements.contains(p.statement())) return false;
        Parse definition = p.named("");
        if (!pool.parsedBefore(definition)) return false;
        statements.define(p.statement(), definition);
        replies.answer(Completion.PARSE.encode(client.alloc()));
        return true;
    }

    /** Whether named statements are the client's own, renamed per server (transaction and statement pooling). */
    private boolean tracksStatements() {
        return mode != PoolMode.SESSION && maxPrepared() > 0;
    }

    int maxPrepared() { return proxy.config().get(Settings.MAX_PREPARED_STATEMENTS); }

    /** The statistics of the pool the client's server (else the client) belongs to. */
    PoolStats stats() {
        ServerConnection s = server;
        return s != null ? s.pool().statistics() : pool.statistics();
    }

    /**
     * Sends one client frame to the held server. In transaction mode named statements are the client's own: each
     * is prepared under a server-unique name on whichever server the client holds, once per server, and Bind,
     * Describe and Close are renamed to match ({@link StatementRegistry}).
     */
    private void toServer(PgFrame frame) {
        ServerConnection s = server;
        boolean renames = tracksStatements();
        replies.sending();
        PoolStats stats = s.pool().statistics();
        stats.received(frame.length());
        if (frame.streamed()) {
            streamed = LargeMessage.start(this, s, frame, renames);
            serverBackPressure(s);
            return;
        }
        switch (frame.type()) {
            case Frontend.PARSE -> {
                Parse p = Parse.decode(frame.body());
                if (!renames || p.statement().isEmpty()) {
                    forward(s, frame, Expected.Kind.PARSE);
                    stats.serverParse();
                } else if (statements.contains(p.statement())) {
                    refuse(Frontend.PARSE, "42P05", "prepared statement \"" + p.statement() + "\" already exists");
                } else {
                    statements.parse(s, p, stats, maxPrepared());
                }
            }
            case Frontend.BIND -> {
                Bind b = Bind.decode(frame.body());
                Parse definition = renames ? statements.definition(b.statement()) : null;
                // Unnamed, session mode, or unknown to the client: the server gives the real answer.
                if (definition == null) forward(s, frame, Expected.Kind.BIND);
                else statements.bind(s, b, definition, stats, maxPrepared());
            }
            case Frontend.DESCRIBE -> {
                Describe d = Describe.decode(frame.body());
                Parse definition = renames && d.ofStatement() ? statements.definition(d.name()) : null;
                if (definition == null) forward(s, frame, Expected.Kind.DESCRIBE);
                else statements.describe(s, definition, stats, maxPrepared());
            }
            case Frontend.CLOSE -> {
                Close c = Close.decode(frame.body());
                if (renames && c.ofStatement() && !c.name().isEmpty()) statements.close(c);
                else forward(s, frame, Expected.Kind.CLOSE);
            }
            case Frontend.EXECUTE -> forward(s, frame, Expected.Kind.EXECUTE);
            case Frontend.SYNC -> forward(s, frame, Expected.Kind.SYNC);
            case Frontend.FUNCTION_CALL -> forward(s, frame, Expected.Kind.SIMPLE);
            case Frontend.QUERY -> {
                if (renames && frame.marked(PgFrame.DROPS_PREPARED)) statements.dropAll(s);
                forward(s, frame, Expected.Kind.SIMPLE);
            }
            default -> s.write(frame.frame().retainedDuplicate()); // Flush, COPY data: no reply of their own
        }
        serverBackPressure(s);
    }

    private void forward(ServerConnection s, PgFrame frame, Expected.Kind reply) {
        s.write(frame.frame().retainedDuplicate());
        replies.expect(Expected.of(reply));
    }

    /** Stops reading the client while its server cannot take more (the server is slow to read what it is sent). */
    private void serverBackPressure(ServerConnection s) {
        if (!s.channel().isWritable()) client.config().setAutoRead(false);
    }

    /** A piece of a large client message. */
    private void fromClientChunk(PgChunk chunk) {
        try {
            if (phase == Phase.LOGGING_IN) {
                early.add(chunk.retain());
                return;
            }
            if (phase != Phase.READY) return;
            if (!queued.isEmpty() || acquiring || server == null && streamed == null) {
                queued.add(chunk.retain());
                if (server == null && !acquiring && streamed == null) startAcquire(null);
                return;
            }
            if (streamPiece(chunk)) serverBackPressure(server);
        } finally {
            chunk.release();
        }
    }

    /** A piece of the large message under way, to where its head went; false when it was dropped. */
    private boolean streamPiece(PgChunk chunk) {
        LargeMessage st = streamed;
        if (st == null || st.discard || st.to != server) { // the head was refused, or its server is gone
            if (st != null && chunk.last()) streamed = null;
            return false;
        }
        st.piece(this, chunk.data(), stats());
        if (chunk.last()) streamed = null;
        return true;
    }

    // ---- servers ----

    /** Takes a server for the queued requests: an idle one on the spot, else through the pool's queue. */
    private void startAcquire(QueryRequest first) {
        if (proxy.databasePaused(database)) {
            // PAUSE: the request waits until RESUME (the pool hands out nothing meanwhile)
            waitingSinceNanos = System.nanoTime();
            acquiring = true;
            heldByPause = true;
            client.config().setAutoRead(false);
            return;
        }
        Pool from = routeOf(queued.peek(), first);
        ServerConnection idle = from.tryAcquire();
        if (idle != null) {
            from.assigned(0);
            attach(idle);
            return;
        }
        waitingSinceNanos = System.nanoTime();
        acquiring = true;
        client.config().setAutoRead(false); // nothing more is read until a server takes what is queued
        int wait = ++waits;
        from.acquire().whenComplete((s, e) -> onLoop(() -> {
            if (wait != waits || !acquiring) {
                // A server for a wait no longer under way: attaching it would orphan the one held (a server left
                // held by nobody, possibly inside a transaction), so it goes back.
                if (e == null) from.release(s);
                return;
            }
            acquiring = false;
            if (e != null) {
                fatal("53300", rootMessage(e));
                return;
            }
            if (phase == Phase.CLOSED) {
                from.release(s);
                return;
            }
            from.assigned(System.nanoTime() - waitingSinceNanos);
            attach(s);
        }));
    }

    /**
     * RESUME after PAUSE: a request held back by the pause now takes its server. A request waiting in the pool's
     * line stays there (the pool serves it once resumed): starting a second wait for it would hand the session two
     * servers. RESUME may come at any time (SIGUSR2, the console), paused or not.
     */
    void resumed() {
        if (client == null) return;
        onLoop(() -> {
            if (!heldByPause || server != null || queued.isEmpty() || phase != Phase.READY || proxy.databasePaused(database)) return;
            heldByPause = false;
            acquiring = false;
            startAcquire(null);
        });
    }

    /**
     * The pool for the transaction this frame starts: the route hook decides when replicas are configured, from the
     * class of its first request ({@code request} when the frame was just classified, else what its named
     * statement was parsed as).
     */
    private Pool routeOf(Object first, QueryRequest request) {
        ProxyConfig config = proxy.config();
        pool = proxy.pool(database, user); // the pool of the running configuration (RELOAD may have replaced it)
        int replicas = config.replicas().size();
        if (replicas == 0 || mode != PoolMode.TRANSACTION) return pool;
        StatementClass cls = request != null ? request.primary()
                : first instanceof PgFrame f && f.type() == Frontend.BIND && !f.streamed() ? statements.classOf(Bind.decode(f.body()).statement()) : null;
        if (cls == null) return pool;
        int backend = hooks.route(request, cls, replicas);
        return backend == 0 ? pool : proxy.pool(database, user, backend);
    }

    /** A debug event (verbose): what the session did with its server, or, at 2, every message. */
    private void trace(String event) { proxy.log().debug(prefix() + event); }

    void attach(ServerConnection s) {
        if (proxy.verbose() >= 1) trace("attached server " + s.key() + " with " + queued.size() + " queued");
        proxy.hold(s, this);
        server = s;
        // A server of another session may report different parameters: tell the client where they differ.
        Map<String, String> serverParameters = s.parameters();
        parameters.attached(serverParameters, replies::answer, client.alloc());
        // and set the client's own values on the server; the replies are dropped
        ByteBuf settings = parameters.settingsFor(serverParameters, s.channel().alloc());
        if (settings != null) {
            s.write(settings);
            replies.expect(Expected.of(Expected.Kind.INJECTED_QUERY));
        }
        replayQueued();
        s.flush();
        replies.flush();
        if (mayRead() && phase == Phase.READY) client.config().setAutoRead(true);
    }

    /** Whether the client may be read again: no server awaited, the budget not exhausted, no SUSPEND. */
    private boolean mayRead() {
        return !acquiring && !decoder.waitingForBudget() && !proxy.suspended();
    }

    /** SUSPEND stops reading the client; RESUME reads it again unless something else still holds it back. */
    void suspendReading(boolean on) {
        if (client == null) return;
        onLoop(() -> {
            if (on) {
                if (phase == Phase.READY) client.config().setAutoRead(false);
            } else if (mayRead() && phase == Phase.READY && (server == null || server.channel().isWritable())) {
                client.config().setAutoRead(true);
            }
        });
    }

    /** Sends what waited for a server, in order. */
    private void replayQueued() {
        Object m;
        while ((m = queued.poll()) != null) {
            try {
                if (phase == Phase.CLOSED) continue;
                if (m instanceof PgFrame f) toServer(f);
                else if (m instanceof PgChunk c) streamPiece(c);
            } catch (ProtocolException e) {
                fatal("08P01", "protocol violation: " + e.getMessage());
            } finally {
                ReferenceCountUtil.release(m);
            }
        }
    }

    private void releaseIfIdle(ServerConnection s) {
        if (server != s || !replies.isEmpty() || inExtended || !queued.isEmpty() || streamed != null || s.transactionStatus() != ReadyForQuery.IDLE) return;
        server = null;
        if (proxy.verbose() >= 1) trace("released server " + s.key());
        if (proxy.config().get(Settings.SERVER_RESET_QUERY_ALWAYS)) proxy.resetAndRelease(s, proxy.config().get(Settings.SERVER_RESET_QUERY));
        else proxy.release(s);
    }

    // ---- the relay: server to client (called on this session's event loop) ----

    @Override
    public void fromServer(ServerConnection s, PgFrame frame) {
        byte type = frame.type();
        if (proxy.verbose() >= 2) trace("server " + s.key() + " -> '" + (char) type + "' expecting " + replies);
        ReplyQueue.Delivery delivery;
        try {
            if (server != s) return;
            delivery = replies.fromServer(s, frame);
        } finally {
            frame.release();
        }
        if (delivery == ReplyQueue.Delivery.ASIDE) return;
        if (delivery == ReplyQueue.Delivery.SKIPPING) {
            skipUntilSync = true; // the client's requests up to its Sync are ignored by the server too
            return;
        }
        if (type == Backend.READY_FOR_QUERY) replies.flush(); // once released, the server's read-complete no longer reaches this session
        // Backpressure: stop reading this server while the client cannot keep up (a closed client is not slow).
        if (client.isActive() && !client.isWritable()) s.channel().config().setAutoRead(false);
        if (delivery != ReplyQueue.Delivery.ALL_ANSWERED) return;
        if (mode != PoolMode.SESSION) {
            releaseIfIdle(s);
        } else if (s.transactionStatus() == ReadyForQuery.IDLE && s.closeNeeded() && proxy.config().get(Settings.SERVER_FAST_CLOSE)) {
            // server_fast_close: a server RECONNECT or RELOAD marked closes at the end of the transaction, and the
            // session with it, so that the client notices
            dropServer("server_fast_close");
            fatal("57P01", "server connection closed (server_fast_close): reconnect");
        }
    }

    @Override
    public void fromServer(ServerConnection s, PgChunk chunk) {
        try {
            if (server != s) return;
            s.pool().statistics().sent(chunk.data().readableBytes());
            replies.write(chunk.data().retainedDuplicate());
            if (client.isActive() && !client.isWritable()) s.channel().config().setAutoRead(false);
        } finally {
            chunk.release();
        }
    }

    @Override
    public void serverReadComplete(ServerConnection s) { replies.flush(); }

    @Override
    public void serverWritabilityChanged(ServerConnection s, boolean writable) {
        if (server == s && writable && mayRead()) client.config().setAutoRead(true);
    }

    @Override
    public void serverLost(ServerConnection s, String reason) {
        if (server != s) return;
        server = null;
        replies.clear();
        fatal("08006", "server connection lost: " + reason);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        ServerConnection s = server;
        if (s != null && client.isWritable()) s.channel().config().setAutoRead(true);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Phase was = phase;
        phase = Phase.CLOSED;
        Object m;
        while ((m = queued.poll()) != null) ReferenceCountUtil.release(m);
        while ((m = early.poll()) != null) ReferenceCountUtil.release(m);
        ServerConnection s = server;
        server = null;
        boolean inFlight = !replies.isEmpty() || inExtended || streamed != null;
        streamed = null;
        replies.clear();
        if (mirror != null) mirror.drop();
        if (s != null) {
            ProxyConfig config = proxy.config();
            if (inFlight) {
                // A query is still running or a batch is half sent: the server's state is unknown, so it goes.
                proxy.discard(s, "client left with a query in flight");
            } else if (s.transactionStatus() != ReadyForQuery.IDLE) {
                proxy.resetAndRelease(s, "ROLLBACK");
            } else if (mode == PoolMode.SESSION || config.get(Settings.SERVER_RESET_QUERY_ALWAYS)) {
                proxy.resetAndRelease(s, config.get(Settings.SERVER_RESET_QUERY));
            } else {
                proxy.release(s);
            }
        }
        if (was != Phase.STARTUP || user != null) {
            if (proxy.config().get(Settings.LOG_DISCONNECTIONS))
                proxy.log().info(prefix() + "closing because: " + (closeReason == null ? "client unexpected eof" : closeReason)
                        + " (age=" + (System.nanoTime() - openedNanos) / 1_000_000_000 + "s)");
        }
        proxy.sessionClosed(this);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof io.netty.handler.codec.DecoderException de && de.getCause() instanceof ProtocolException pe) {
            fatal("08P01", "protocol violation: " + pe.getMessage());
        } else if (cause instanceof java.io.IOException || cause instanceof io.netty.handler.codec.DecoderException de2 && de2.getCause() instanceof javax.net.ssl.SSLException) {
            closeReason = "client connection error: " + cause.getMessage();
            ctx.close(); // the client went away (reset, broken pipe, a failed TLS handshake): an ordinary end of a session
        } else {
            proxy.log().error(prefix() + "closing client after an internal error: " + cause);
            closeReason = "internal error: " + cause;
            ctx.close();
        }
    }

    // ---- timeouts, refusals ----

    /**
     * Called four times a second from the proxy's timer, and run on this session's loop: client_login_timeout,
     * client_idle_timeout (a client without a server), query_timeout (a request unanswered too long: its query is
     * cancelled and both ends closed) and idle_transaction_timeout (a transaction left open with nothing running).
     */
    void checkTimeouts(long now) {
        if (phase == Phase.CLOSED || client == null) return;
        onLoop(() -> timeouts(now));
    }

    private void timeouts(long now) {
        ProxyConfig config = proxy.config();
        if (phase == Phase.CLOSED) return;
        if (phase != Phase.READY) {
            long login = config.get(Settings.CLIENT_LOGIN_TIMEOUT).toNanos();
            if (login > 0 && now - openedNanos > login) {
                proxy.loginTimedOut();
                fatal("57014", "canceling authentication due to timeout (client_login_timeout = " + config.text(Settings.CLIENT_LOGIN_TIMEOUT) + " s)");
            }
            return;
        }
        if (admin) return;
        UserConfig u = config.user(user);
        long idle = timeout(u == null ? null : u.clientIdleTimeout(), config.get(Settings.CLIENT_IDLE_TIMEOUT));
        long query = timeout(u == null ? null : u.queryTimeout(), config.get(Settings.QUERY_TIMEOUT));
        long idleTx = timeout(u == null ? null : u.idleTransactionTimeout(), config.get(Settings.IDLE_TRANSACTION_TIMEOUT));
        ServerConnection s = server;
        boolean outstanding = !replies.isEmpty();
        if (idle > 0 && s == null && !acquiring && now - lastRequestNanos > idle) {
            fatal("57P05", "terminating connection due to idle timeout (client_idle_timeout)");
        } else if (query > 0 && s != null && outstanding && replies.requestStartNanos() != 0 && now - replies.requestStartNanos() > query) {
            if (s.key() != null && s.remoteAddress() != null) proxy.sendCancel(s.remoteAddress(), s.key().processId(), s.key().secretKey());
            dropServer("query timeout");
            fatal("57014", "canceling statement due to query timeout (query_timeout)");
        } else if (idleTx > 0 && s != null && !outstanding && s.transactionStatus() != ReadyForQuery.IDLE && now - lastRequestNanos > idleTx) {
            dropServer("idle transaction timeout");
            fatal("25P03", "terminating connection due to idle-in-transaction timeout (idle_transaction_timeout)");
        }
    }

    private static long timeout(java.time.Duration user, java.time.Duration general) {
        return user != null && !user.isZero() ? user.toNanos() : general.toNanos();
    }

    /** Closes the client's server instead of returning it (its state cannot be trusted). */
    private void dropServer(String reason) {
        ServerConnection s = server;
        server = null;
        replies.clear();
        if (s != null) proxy.discard(s, reason);
    }

    /** A connection that has not logged in is refused (max_login_clients eviction). */
    void refuseLogin(String sqlState, String message) {
        if (client == null) return;
        onLoop(() -> {
            if (phase == Phase.READY) return;
            fatal(sqlState, message);
        });
    }

    /** KILL: the client goes at once, its server with it. */
    void kill(String reason) {
        if (client == null) return;
        onLoop(() -> {
            dropServer(reason);
            fatal("57P01", "terminating connection due to administrator command: " + reason);
        });
    }

    void fatal(String sqlState, String message) {
        if (phase == Phase.CLOSED && !client.isActive()) return;
        if (closeReason == null) closeReason = message;
        if (client.isActive()) {
            client.writeAndFlush(ErrorResponse.of("FATAL", sqlState, message).encode(client.alloc()))
                    .addListener(io.netty.channel.ChannelFutureListener.CLOSE);
            if (proxy.config().get(Settings.LOG_POOLER_ERRORS)) proxy.log().warning(prefix() + "pooler error: " + message);
        }
        phase = Phase.CLOSED;
    }

    /** PgBouncer's log prefix: C-id: db/user@address:port. */
    String prefix() {
        return "C-" + processId + ": " + (database == null ? "(nodb)" : database) + "/" + (user == null ? "(nouser)" : user) + "@" + addressText() + " ";
    }

    String addressText() {
        if (client == null) return "?";
        return client.remoteAddress() instanceof InetSocketAddress a ? a.getAddress().getHostAddress() + ":" + a.getPort() : "unix";
    }

    static String rootMessage(Throwable e) {
        while (e.getCause() != null && e instanceof java.util.concurrent.CompletionException) e = e.getCause();
        if (e instanceof java.util.concurrent.TimeoutException) return "no server connection available within query_wait_timeout";
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }
}
