package dev.bypass.proxy.pool;

import dev.bypass.proxy.wire.*;
import dev.bypass.proxy.wire.MessageType.Backend;
import dev.bypass.proxy.wire.MessageType.Frontend;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import dev.bypass.proxy.config.Secret;

/**
 * One connection to PostgreSQL, owned by a {@link Pool}. It logs in once (start-up, authentication, parameter
 * statuses, key data); afterwards it forwards every frame to whichever {@link ServerUser} currently holds it,
 * untouched, and tells that user when a ReadyForQuery arrives. While nobody holds it, it swallows the replies to the
 * pool's own reset queries.
 *
 * <p>Threading: the connection reads on its channel's event loop; its holder is confined to its own loop, which is
 * often another one (servers are pooled across the client loops). Every {@link ServerUser} callback runs on the
 * holder's loop: directly when the loops are the same, else the frames of one read burst are handed over as one
 * task, in order, followed by {@link ServerUser#serverReadComplete}. The transaction status the holder reads is the
 * one of the last ReadyForQuery it was given.
 */
public final class ServerConnection extends ChannelInboundHandlerAdapter {
    /** The side a server connection talks to while it is held: a client session. */
    public interface ServerUser {
        /** The event loop every callback of this interface runs on (the holder's). */
        io.netty.channel.EventLoop eventLoop();

        /** Runs {@code task} on {@link #eventLoop()}, now when called there, else queued to it: the one way other threads act on a holder. */
        default void onLoop(Runnable task) {
            if (eventLoop().inEventLoop()) task.run();
            else eventLoop().execute(task);
        }

        void fromServer(ServerConnection server, PgFrame frame);

        /** A piece of a large message whose head came through {@link #fromServer} (ownership passes). */
        void fromServer(ServerConnection server, PgChunk chunk);

        /** The connection to the server can take more writes again (or cannot): the client is read accordingly. */
        void serverWritabilityChanged(ServerConnection server, boolean writable);

        void serverLost(ServerConnection server, String reason);

        /** The server's current read batch is done: a good moment to flush what was forwarded. */
        void serverReadComplete(ServerConnection server);
    }

    enum State { LOGIN, IDLE, HELD, RESETTING, CLOSED }

    private final Pool pool;
    private final String user;
    private final Secret secret;
    /** A SCRAM login's ClientKey for this user (with a SCRAM secret, it is what logs in to the server), or null. */
    private final byte[] clientKey;
    private final String database;
    private final Map<String, String> startupParameters;
    /** The host (or Unix socket directory) this connection went to, for SHOW SERVERS and cancel requests. */
    final String host;
    /** The pool's RECONNECT count when this connection logged in: an older one is closed when next released. */
    long epoch;
    /** Its opening already failed (the connect and the login both report a failure). */
    boolean openFailed;
    private final CompletableFuture<ServerConnection> login = new CompletableFuture<>();
    private final Map<String, String> parameters = new LinkedHashMap<>();
    private Channel channel;
    private volatile State state = State.LOGIN;
    private volatile ServerUser holder;
    private BackendKeyData key;
    private volatile char transactionStatus = ReadyForQuery.IDLE;
    /** Frames read for a holder on another event loop, handed over at the end of the read burst (server's loop only). */
    private java.util.ArrayList<Object> handoff;
    private ServerUser handoffTo;
    final long createdNanos = System.nanoTime();
    volatile long lastUsedNanos = System.nanoTime();
    /** When the health check last ran (it does not count as use for the idle timeout). */
    volatile long lastCheckNanos = System.nanoTime();
    /**
     * A request running with nobody holding the connection (a reset, a mirrored request, a health check): what to
     * call when its ReadyForQuery comes ({@code done}) or when the connection goes first ({@code lost}); in a health
     * check any error means the connection is unfit.
     */
    private record Detached(Runnable done, Runnable lost, boolean healthCheck) {}
    private Detached detached;
    /** Prepared statements this server holds for clients in transaction mode: definition (unnamed) to server name. */
    private final Map<Parse, String> prepared = new LinkedHashMap<>(16, 0.75f, true); // least recently used first
    private long preparedCounter;

    ServerConnection(Pool pool, String user, Secret secret, byte[] clientKey, String database, Map<String, String> startupParameters, String host) {
        this.pool = pool;
        this.user = user;
        this.secret = secret;
        this.clientKey = clientKey;
        this.database = database;
        this.startupParameters = startupParameters;
        this.host = host;
    }

    /** Where this connection goes (for cancel requests to the same server). */
    public java.net.SocketAddress remoteAddress() { return channel == null ? null : channel.remoteAddress(); }

    public String user() { return user; }

    CompletableFuture<ServerConnection> login() { return login; }

    private static final java.util.concurrent.atomic.AtomicInteger IDS = new java.util.concurrent.atomic.AtomicInteger(1);
    private final int id = IDS.getAndIncrement();
    private final long createdMillis = System.currentTimeMillis();

    /** PgBouncer's log prefix for a server: S-id: db/user@host:port. */
    public String prefix() {
        return "S-" + id + ": " + pool.key().database() + "/" + user + "@" + (host.startsWith("/") ? host : host + ":" + pool.spec().port()) + " ";
    }

    public long ageSeconds() { return (System.nanoTime() - createdNanos) / 1_000_000_000L; }

    /** A number of this connection's own, for SHOW SERVERS. */
    public int id() { return id; }

    public long createdMillis() { return createdMillis; }

    /** When a client last took this connection (or it was created). */
    public long lastUsedMillis() { return createdMillis + (lastUsedNanos - createdNanos) / 1_000_000; }

    /** SHOW SERVERS' state: active (held), idle, tested (running a check or reset), new (logging in). */
    public String stateName() {
        return switch (state) {
            case LOGIN -> "new";
            case HELD -> "active";
            case RESETTING -> "tested";
            case IDLE -> "idle";
            case CLOSED -> "closed";
        };
    }

    /** Who holds this connection now, or null. */
    public ServerUser holder() { return holder; }

    /** Whether RECONNECT marked it to close when released. */
    public boolean closeNeeded() { return pool.isMarked(this); }

    /** The TLS protocol and cipher towards the server, or "" in plain text. */
    public String tlsDescription() {
        if (channel != null && channel.pipeline().get("tls") instanceof io.netty.handler.ssl.SslHandler h) {
            var session = h.engine().getSession();
            return session.getProtocol() + "/" + session.getCipherSuite();
        }
        return "";
    }

    public Pool pool() { return pool; }

    public Channel channel() { return channel; }

    public BackendKeyData key() { return key; }

    /**
     * The ParameterStatus values the server reported (server_version, encodings, ...): an immutable map, the same
     * instance for every server of the pool reporting the same values, so comparing them is mostly an identity test.
     */
    public synchronized Map<String, String> parameters() {
        if (parameterSnapshot == null) parameterSnapshot = pool.canonical(Map.copyOf(parameters));
        return parameterSnapshot;
    }

    private Map<String, String> parameterSnapshot;

    public char transactionStatus() { return transactionStatus; }

    State state() { return state; }

    /** The server-side name of a statement with this definition, or null when the server does not have it. */
    public synchronized String preparedName(Parse definition) { return prepared.get(definition); }

    /** Records that the statement is being prepared here and returns the unique name it gets on this server. */
    public synchronized String prepare(Parse definition) {
        String name = "bypass_" + (++preparedCounter);
        prepared.put(definition, name);
        return name;
    }

    /** The statement was not created after all (its Parse failed or was skipped after an error). */
    public synchronized void forgetPrepared(Parse definition, String name) { prepared.remove(definition, name); }

    /**
     * When more than {@code max} statements are prepared here: forgets the least recently used one and returns its
     * name (the caller closes it on the server); else null.
     */
    public synchronized String evictBeyond(int max) {
        if (prepared.size() <= max) return null;
        var eldest = prepared.entrySet().iterator();
        var e = eldest.next();
        eldest.remove();
        return e.getValue();
    }

    public synchronized int preparedCount() { return prepared.size(); }

    /** The server dropped all prepared statements (DISCARD ALL, DEALLOCATE ALL). */
    public synchronized void forgetAllPrepared() { prepared.clear(); }

    public void hold(ServerUser user) {
        holder = user;
        // A previous holder may have paused reading for backpressure; the new one starts fresh.
        if (channel != null) channel.config().setAutoRead(true);
        state = State.HELD;
        lastUsedNanos = System.nanoTime();
    }

    /** Runs {@code sql} with nobody holding the connection, then {@code done}; replies are discarded. */
    public void reset(String sql, Runnable done) {
        if (sql.toUpperCase(java.util.Locale.ROOT).contains("DISCARD ALL")) forgetAllPrepared();
        runDetached(new Query(sql).encode(channel.alloc()), new Detached(done, null, false));
    }

    /**
     * Runs {@code request} (frames ending with a Query or a Sync, so exactly one ReadyForQuery answers) with nobody
     * holding the connection, replies discarded, then {@code done}; when the connection is lost or closed by a fatal
     * error first, {@code lost} instead. Used for mirrored requests.
     */
    public void runDetached(io.netty.buffer.ByteBuf request, Runnable done, Runnable lost) {
        runDetached(request, new Detached(done, lost, false));
    }

    /** The health check: runs {@code sql}; any error closes the connection instead of calling {@code healthy}. */
    void check(String sql, Runnable healthy) {
        lastCheckNanos = System.nanoTime();
        runDetached(new Query(sql).encode(channel.alloc()), new Detached(healthy, null, true));
    }

    private void runDetached(io.netty.buffer.ByteBuf request, Detached d) {
        holder = null;
        state = State.RESETTING;
        detached = d;
        channel.writeAndFlush(request);
    }

    /** Back in the pool (whoever put it there decides whether that counts as use for the idle timeout). */
    void idle() {
        holder = null;
        if (channel != null) channel.config().setAutoRead(true);
        state = State.IDLE;
    }

    /** Writes a client's frame (ownership passes to the channel). */
    public void write(io.netty.buffer.ByteBuf frame) { channel.write(frame, channel.voidPromise()); }

    public void flush() { channel.flush(); }

    void close() {
        state = State.CLOSED;
        if (channel != null) channel.close();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        Map<String, String> params = new LinkedHashMap<>();
        params.put("user", user);
        params.put("database", database);
        params.put("application_name", "bypass");
        params.putAll(startupParameters);
        ctx.writeAndFlush(new StartupMessage(StartupMessage.PROTOCOL_3_0, params).encode(ctx.alloc()));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof PgChunk chunk) {
            // the rest of a large message (a DataRow, CopyData): it goes where its head went, or nowhere
            ServerUser h = holder;
            if (state == State.HELD && h != null) toHolder(h, chunk);
            else chunk.release();
            return;
        }
        PgFrame frame = (PgFrame) msg;
        try {
            switch (state) {
                case LOGIN -> loginStep(ctx, frame);
                case HELD -> {
                    ServerUser h = holder;
                    if (frame.type() == ParameterStatus.TYPE) recordParameter(frame);
                    if (h != null) toHolder(h, frame.retain());
                    else if (frame.type() == ReadyForQuery.TYPE) transactionStatus = ReadyForQuery.decode(frame.body()).status();
                }
                case RESETTING -> {
                    Detached d = detached;
                    var sink = rowSink;
                    if (sink != null) sink.accept(frame);
                    if (frame.type() == ParameterStatus.TYPE) recordParameter(frame);
                    if (frame.type() == ReadyForQuery.TYPE) {
                        transactionStatus = ReadyForQuery.decode(frame.body()).status();
                        detached = null;
                        if (d != null && d.done() != null) d.done().run();
                    } else if (frame.type() == ErrorResponse.TYPE && d != null && d.healthCheck()) {
                        pool.checkFailed(this, ErrorResponse.decode(frame.body()).message());
                        detachedLost();
                    } else if (frame.type() == ErrorResponse.TYPE && isFatal(frame)) {
                        pool.discard(this, ErrorResponse.decode(frame.body()).message());
                        detachedLost();
                    }
                }
                case IDLE -> {
                    // An idle server speaks only to say it is going away (or to report a parameter change).
                    if (frame.type() == ErrorResponse.TYPE) pool.discard(this, ErrorResponse.decode(frame.body()).message());
                    else if (frame.type() == ParameterStatus.TYPE) recordParameter(frame);
                }
                case CLOSED -> {}
            }
        } finally {
            ReferenceCountUtil.release(frame);
        }
    }

    /** A frame or piece for the holder: now when it runs on this loop, else with the rest of this read burst. */
    private void toHolder(ServerUser h, Object message) {
        if (h.eventLoop().inEventLoop()) {
            deliver(h, message);
            return;
        }
        if (handoffTo != h) handOver();
        if (handoff == null) handoff = new java.util.ArrayList<>();
        handoffTo = h;
        handoff.add(message);
    }

    /** On the holder's loop: one frame (ownership passes) or piece. */
    private void deliver(ServerUser h, Object message) {
        if (message instanceof PgFrame frame) {
            if (frame.type() == ReadyForQuery.TYPE && holder == h) transactionStatus = ReadyForQuery.decode(frame.body()).status();
            h.fromServer(this, frame);
        } else {
            h.fromServer(this, (PgChunk) message);
        }
    }

    /** What this read burst collected for a holder on another loop goes there as one task. */
    private void handOver() {
        java.util.ArrayList<Object> batch = handoff;
        ServerUser h = handoffTo;
        if (batch == null || batch.isEmpty()) return;
        handoff = null;
        handoffTo = null;
        try {
            h.eventLoop().execute(() -> {
                for (Object m : batch) deliver(h, m);
                h.serverReadComplete(this);
            });
        } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
            for (Object m : batch) ReferenceCountUtil.release(m);
        }
    }

    /** Runs a callback of {@code h} on its loop, after what was handed over before. */
    private void onHolderLoop(ServerUser h, Runnable callback) {
        handOver();
        h.onLoop(callback);
    }

    private static boolean isFatal(PgFrame frame) {
        String severity = ErrorResponse.decode(frame.body()).severityCode();
        return severity.equals("FATAL") || severity.equals("PANIC");
    }

    private synchronized void recordParameter(PgFrame frame) {
        ParameterStatus ps = ParameterStatus.decode(frame.body());
        if (!ps.value().equals(parameters.put(ps.name(), ps.value()))) parameterSnapshot = null;
    }

    private void loginStep(ChannelHandlerContext ctx, PgFrame frame) {
        switch (frame.type()) {
            case Authentication.TYPE -> {
                Authentication auth = Authentication.decode(frame.body());
                switch (auth.code()) {
                    case Authentication.OK -> {}
                    case Authentication.CLEARTEXT -> {
                        String pw = requirePassword("cleartext");
                        if (pw != null) ctx.writeAndFlush(new PasswordMessage(pw).encode(ctx.alloc()));
                    }
                    case Authentication.MD5 -> {
                        // a stored MD5 hash answers an MD5 challenge as well as the password would
                        String answer = secret instanceof Secret.Md5 m ? Md5.hashOfStored(m.hash(), auth.data())
                                : requirePassword("md5") instanceof String pw ? Md5.hash(user, pw, auth.data()) : null;
                        if (answer != null) ctx.writeAndFlush(new PasswordMessage(answer).encode(ctx.alloc()));
                    }
                    case Authentication.SASL -> scramStart(ctx, auth.data());
                    case Authentication.SASL_CONTINUE -> scramContinue(ctx, auth.data());
                    case Authentication.SASL_FINAL -> scramFinish(auth.data());
                    default -> fail("server requires authentication method " + auth.code() + ", which this proxy does not support for servers");
                }
            }
            case ParameterStatus.TYPE -> recordParameter(frame);
            case BackendKeyData.TYPE -> key = BackendKeyData.decode(frame.body());
            case ErrorResponse.TYPE -> fail(ErrorResponse.decode(frame.body()).message());
            case ReadyForQuery.TYPE -> {
                transactionStatus = ReadyForQuery.decode(frame.body()).status();
                state = State.IDLE;
                login.complete(this);
            }
            default -> {} // NoticeResponse and the like during login
        }
    }

    /**
     * SCRAM-SHA-256 towards PostgreSQL (its default password method since version 14), bound to the server's
     * certificate (SCRAM-SHA-256-PLUS) when the connection runs over TLS and the server offers it.
     */
    private com.ongres.scram.client.ScramClient scram;

    private void scramStart(ChannelHandlerContext ctx, byte[] data) {
        java.util.List<String> offered = new java.util.ArrayList<>();
        int start = 0;
        for (int i = 0; i < data.length; i++)
            if (data[i] == 0) {
                if (i > start) offered.add(new String(data, start, i - start, java.nio.charset.StandardCharsets.UTF_8));
                start = i + 1;
            }
        if (!offered.contains("SCRAM-SHA-256") && !offered.contains("SCRAM-SHA-256-PLUS")) {
            fail("server offers SASL mechanisms " + offered + "; this proxy speaks SCRAM-SHA-256 (and -PLUS over TLS)");
            return;
        }
        String pw = secret instanceof Secret.Scram && clientKey != null ? null : requirePassword("SCRAM-SHA-256");
        if (pw == null && !(secret instanceof Secret.Scram && clientKey != null)) return;
        // Over TLS, bind the exchange to the server's certificate when the server offers it (tls-server-end-point).
        byte[] binding = null;
        if (offered.contains("SCRAM-SHA-256-PLUS") && ctx.pipeline().get("tls") instanceof io.netty.handler.ssl.SslHandler tls) {
            try {
                var certs = tls.engine().getSession().getPeerCertificates();
                if (certs.length > 0 && certs[0] instanceof java.security.cert.X509Certificate x509) binding = endPoint(x509);
            } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
                binding = null;
            }
        }
        var builder = com.ongres.scram.client.ScramClient.builder()
                .advertisedMechanisms(binding != null ? java.util.List.of("SCRAM-SHA-256-PLUS") : java.util.List.of("SCRAM-SHA-256"))
                .username(user);
        // with a stored SCRAM secret, the ClientKey a client's SCRAM login revealed logs in where the same secret is stored
        var stage = pw != null ? builder.password(pw.toCharArray()) : builder.clientAndServerKey(clientKey, ((Secret.Scram) secret).serverKey());
        if (binding != null) stage.channelBinding("tls-server-end-point", binding);
        scram = stage.build();
        byte[] first = scram.clientFirstMessage().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ctx.writeAndFlush(new SaslInitialResponse(scram.getScramMechanism().getName(), first).encode(ctx.alloc()));
    }

    /** RFC 5929 tls-server-end-point data: the certificate hashed with its signature's hash (SHA-256 at least). */
    public static byte[] endPoint(java.security.cert.X509Certificate cert) {
        String alg = cert.getSigAlgName().toUpperCase(java.util.Locale.ROOT);
        String hash = alg.startsWith("SHA384") ? "SHA-384" : alg.startsWith("SHA512") ? "SHA-512" : "SHA-256";
        try {
            return java.security.MessageDigest.getInstance(hash).digest(cert.getEncoded());
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot hash the server certificate: " + e.getMessage(), e);
        }
    }

    private void scramContinue(ChannelHandlerContext ctx, byte[] data) {
        if (scram == null) {
            fail("server sent SASLContinue before SASL");
            return;
        }
        try {
            scram.serverFirstMessage(new String(data, java.nio.charset.StandardCharsets.UTF_8));
        } catch (com.ongres.scram.common.exception.ScramException e) {
            fail("server's SCRAM message is invalid: " + e.getMessage());
            return;
        }
        byte[] last = scram.clientFinalMessage().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ctx.writeAndFlush(new SaslResponse(last).encode(ctx.alloc()));
    }

    private void scramFinish(byte[] data) {
        if (scram == null) {
            fail("server sent SASLFinal before SASL");
            return;
        }
        try {
            scram.serverFinalMessage(new String(data, java.nio.charset.StandardCharsets.UTF_8));
        } catch (com.ongres.scram.common.exception.ScramException e) {
            // a wrong server signature means the server does not know the password: not the server we meant
            fail("SCRAM: the server's final message does not verify: " + e.getMessage());
            return;
        }
        scram = null;
    }

    /** The plain-text password, or null after failing the login with why there is none. */
    private String requirePassword(String method) {
        if (secret instanceof Secret.Plain p) return p.password();
        if (secret == null) fail("server asked for a password for user " + user + " and none is configured (auth_file, or password= in [databases])");
        else fail("server asked for " + method + " authentication for user " + user + " and only " + (secret instanceof Secret.Md5 ? "an MD5 hash" : "a SCRAM secret")
                + " is known: give the password in plain text in auth_file, or log the client in with SCRAM so its keys can be used");
        return null;
    }

    /** Server login took longer than server_connect_timeout. */
    void loginTimedOut(String reason) { fail(reason); }

    /** Runs {@code sql} with nobody holding the connection (connect_query), then {@code done}; errors are only logged. */
    void runQuery(String sql, Runnable done) {
        runDetached(new Query(sql).encode(channel.alloc()), new Detached(done, null, false));
    }

    /** Copies one encoded message into a batch and frees it (the batch is what gets written). */
    private static void appendReleasing(io.netty.buffer.ByteBuf batch, io.netty.buffer.ByteBuf message) {
        try {
            batch.writeBytes(message);
        } finally {
            message.release();
        }
    }

    /** The handler that asks the server for TLS before this connection logs in. */
    public io.netty.channel.ChannelHandler tlsNegotiator(io.netty.handler.ssl.SslContext context, boolean required, String host, int port) {
        return new ServerTls(context, required, host, port, this);
    }

    /**
     * Runs {@code sql} with {@code parameters} (text, extended protocol) with nobody holding the connection and
     * completes {@code rows} with the rows' text values (null for NULL), or exceptionally with the server's error.
     * Must be called on the connection's event loop. Used for auth_query.
     */
    public void query(String sql, java.util.List<String> parameters, CompletableFuture<java.util.List<java.util.List<String>>> rows) {
        io.netty.buffer.ByteBuf request = channel.alloc().buffer();
        appendReleasing(request, new Parse("", sql, new int[0]).encode(channel.alloc()));
        io.netty.buffer.ByteBuf bind = Messages.begin(channel.alloc(), (char) Frontend.BIND);
        Messages.writeCString(bind, "");
        Messages.writeCString(bind, "");
        bind.writeShort(0).writeShort(parameters.size());
        for (String p : parameters) {
            byte[] b = p.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            bind.writeInt(b.length).writeBytes(b);
        }
        bind.writeShort(0);
        appendReleasing(request, Messages.finish(bind));
        io.netty.buffer.ByteBuf execute = Messages.begin(channel.alloc(), (char) Frontend.EXECUTE);
        Messages.writeCString(execute, "");
        execute.writeInt(0);
        appendReleasing(request, Messages.finish(execute));
        appendReleasing(request, Messages.finish(Messages.begin(channel.alloc(), (char) Frontend.SYNC)));
        java.util.List<java.util.List<String>> collected = new java.util.ArrayList<>();
        String[] error = new String[1];
        rowSink = frame -> {
            if (frame.type() == Backend.DATA_ROW) frame.forEachBody(row -> collected.add(dataRow(row)));
            else if (frame.type() == ErrorResponse.TYPE && error[0] == null) error[0] = ErrorResponse.decode(frame.body()).message();
        };
        runDetached(request, new Detached(() -> {
            rowSink = null;
            if (error[0] != null) rows.completeExceptionally(new IllegalStateException(error[0]));
            else rows.complete(collected);
        }, () -> {
            rowSink = null;
            rows.completeExceptionally(new IllegalStateException("server connection lost"));
        }, false));
    }

    /** Receives the replies of a detached query that wants them (auth_query), else null. */
    private java.util.function.Consumer<PgFrame> rowSink;

    private static java.util.List<String> dataRow(io.netty.buffer.ByteBuf body) {
        io.netty.buffer.ByteBuf b = body.duplicate();
        int n = b.readUnsignedShort();
        java.util.List<String> values = new java.util.ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int len = b.readInt();
            values.add(len < 0 ? null : b.readCharSequence(len, java.nio.charset.StandardCharsets.UTF_8).toString());
        }
        return values;
    }

    /** TLS towards the server could not be set up: the login fails with the reason. */
    void tlsFailed(String reason) { fail(reason); }

    private void fail(String reason) {
        login.completeExceptionally(new ServerLoginException(reason));
        close();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        ServerUser h = holder;
        boolean writable = ctx.channel().isWritable();
        if (h != null) onHolderLoop(h, () -> h.serverWritabilityChanged(this, writable));
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (handoff != null) handOver(); // the holder's read-complete follows the frames
        else if (holder instanceof ServerUser h && h.eventLoop().inEventLoop()) h.serverReadComplete(this);
    }

    /** A detached request will never be answered: tell its owner. */
    private void detachedLost() {
        Detached d = detached;
        detached = null;
        if (d != null && d.lost() != null) d.lost().run();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        State was = state;
        if (was == State.RESETTING) detachedLost();
        state = State.CLOSED;
        if (!login.isDone()) login.completeExceptionally(new ServerLoginException("server closed the connection during login"));
        ServerUser h = holder;
        holder = null;
        if (was != State.CLOSED) pool.lost(this);
        if (h != null && was == State.HELD) onHolderLoop(h, () -> h.serverLost(this, "server connection lost"));
        else handOver();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!login.isDone()) login.completeExceptionally(new ServerLoginException(cause.toString()));
        ctx.close();
    }

    /** Login to a server failed; the message is the server's (or the network's) reason. */
    public static final class ServerLoginException extends RuntimeException {
        public ServerLoginException(String message) { super(message, null, false, false); }
    }
}
