package dev.bypass.proxy.server;

import dev.bypass.proxy.pool.Md5;
import dev.bypass.proxy.pool.Pool;
import dev.bypass.proxy.pool.ServerConnection;
import dev.bypass.proxy.sql.Classification;
import dev.bypass.proxy.sql.PreparedStatements;
import dev.bypass.proxy.sql.StatementClass;
import dev.bypass.proxy.wire.*;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One client connection. Start-up: SSLRequest and GSSENCRequest are declined ('N'), CancelRequest is relayed to the
 * server running the client's query, StartupMessage is authenticated per config. Then every frame goes to a server
 * connection from the pool: held for the whole session in session mode; in transaction mode taken at the first
 * message and given back at a ReadyForQuery that says idle once every Query and Sync the client sent has been
 * answered, so extended-protocol batches stay on one server until their Sync. All state changes run on this
 * client's event loop.
 */
final class ClientSession extends ChannelInboundHandlerAdapter implements ServerConnection.ServerUser {
    private static final SecureRandom RANDOM = new SecureRandom();
    /** {@code -Dbypass.proxy.trace=true}: one stderr line per message in either direction, for protocol debugging. */
    private static final boolean TRACE = Boolean.getBoolean("bypass.proxy.trace");

    /** LOGGING_IN: the client proved who it is, the proxy is still logging in to a server for it. */
    enum Phase { STARTUP, AUTH, LOGGING_IN, READY, CLOSED }

    private final ProxyServer proxy;
    private final PgFrameDecoder decoder;
    private Channel client;
    private Phase phase = Phase.STARTUP;
    private String user, database;
    private byte[] md5Salt;
    private ScramServer scram;
    /** The pool the pending acquisition comes from (the primary's unless the route hook chose a replica). */
    private Pool target;
    /** The client connection runs over TLS. */
    private boolean tls;
    private Pool pool;
    private ServerConnection server;
    private boolean acquiring;
    private final ArrayDeque<PgFrame> queued = new ArrayDeque<>();
    /** Replies owed to the client, in request order. Guarded by the session lock. */
    private final ArrayDeque<Expected> expected = new ArrayDeque<>();
    /** SQL-level prepared statements of this client (PREPARE name AS ...) and what each does. */
    private final PreparedStatements sqlPrepared = new PreparedStatements();
    /** The classification of the text the hook was last asked about (null for a FunctionCall). */
    private Classification lastClassification;
    /** What each named protocol-level statement of this client was parsed as (the route hook reads it at Bind). */
    private final java.util.Map<String, StatementClass> statementClasses = new java.util.HashMap<>();
    /** Named prepared statements of this client (transaction mode): name to definition. */
    private final java.util.HashMap<String, Parse> statements = new java.util.HashMap<>();
    private final java.util.concurrent.atomic.AtomicInteger crossLoopWrites = new java.util.concurrent.atomic.AtomicInteger();
    /** Extended-protocol messages were sent since the last Sync. */
    private boolean inExtended;
    /** After an error in an extended-protocol batch: drop the client's messages until its Sync. */
    private boolean skipUntilSync;
    /** Frames that arrived while logging in to a server, replayed once the login completes. */
    private final ArrayDeque<PgFrame> early = new ArrayDeque<>();
    /** Copies of the client's extended-protocol frames since a mirrored Parse, sent to the shadow at Sync. */
    private List<io.netty.buffer.ByteBuf> mirrorBatch;
    final int processId;
    final int secretKey = RANDOM.nextInt();
    private Map<String, String> lastParameters = Map.of();

    ClientSession(ProxyServer proxy, PgFrameDecoder decoder, int processId) {
        this.proxy = proxy;
        this.decoder = decoder;
        this.processId = processId;
    }

    String user() { return user; }

    String database() { return database; }

    synchronized ServerConnection currentServer() { return server; }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        client = ctx.channel();
        proxy.sessionOpened(this);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        PgFrame frame = (PgFrame) msg;
        try {
            switch (phase) {
                case STARTUP -> startup(frame);
                case AUTH -> authenticate(frame);
                // A client may send its first queries right behind the start-up (trust needs no round trip):
                // they wait until the login is complete, as PostgreSQL leaves them in its socket buffer.
                case LOGGING_IN -> early.add(frame.retain());
                case READY -> fromClient(frame);
                case CLOSED -> {}
            }
        } catch (ProtocolException e) {
            fatal("08P01", "protocol violation: " + e.getMessage());
        } finally {
            ReferenceCountUtil.release(frame);
        }
    }

    private void startup(PgFrame frame) {
        ByteBuf body = frame.body();
        if (body.readableBytes() < 4) throw new ProtocolException("start-up packet without a code");
        int code = body.getInt(body.readerIndex());
        switch (code) {
            case StartupCodes.SSL_REQUEST -> {
                io.netty.handler.ssl.SslContext tlsContext = proxy.clientTlsContext();
                if (tlsContext == null || tls) {
                    client.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'N'}));
                    return;
                }
                // 'S' goes out in plain text, then the handshake: the TLS handler sits in front of the frame decoder.
                client.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'S'}));
                client.pipeline().addFirst("tls", tlsContext.newHandler(client.alloc()));
                tls = true;
            }
            case StartupCodes.GSSENC_REQUEST -> client.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'N'}));
            case StartupCodes.CANCEL_REQUEST -> {
                proxy.cancel(CancelRequest.decode(body));
                client.close();
            }
            default -> {
                StartupMessage sm = StartupMessage.decode(body);
                if (sm.protocol() >> 16 != 3) {
                    fatal("0A000", "unsupported frontend protocol " + (sm.protocol() >> 16) + "." + (sm.protocol() & 0xffff));
                    return;
                }
                user = sm.user();
                database = sm.database();
                if (!tls && proxy.config().clientTls() != null && proxy.config().clientTls().required()) {
                    fatal("28000", "TLS is required: connect with sslmode=require");
                    return;
                }
                QueryHook.Verdict admitted = proxy.queryHook().onConnect(user, database,
                        client.remoteAddress() instanceof java.net.InetSocketAddress a ? a : null);
                if (!admitted.allowed()) {
                    fatal(admitted.sqlState(), admitted.message());
                    return;
                }
                if (user.isEmpty()) {
                    fatal("28000", "no PostgreSQL user name specified in startup packet");
                    return;
                }
                decoder.switchToRegular();
                phase = Phase.AUTH;
                switch (proxy.config().clientAuth()) {
                    case TRUST -> loggedIn();
                    case CLEARTEXT -> client.writeAndFlush(new Authentication(Authentication.CLEARTEXT, new byte[0]).encode(client.alloc()));
                    case MD5 -> {
                        md5Salt = new byte[4];
                        RANDOM.nextBytes(md5Salt);
                        client.writeAndFlush(new Authentication(Authentication.MD5, md5Salt).encode(client.alloc()));
                    }
                    case SCRAM_SHA_256 -> {
                        scram = new ScramServer(user, proxy.config().users().get(user), tls ? proxy.clientTlsBinding() : null);
                        byte[] mechanisms = (String.join("\0", scram.mechanisms()) + "\0\0").getBytes(java.nio.charset.StandardCharsets.UTF_8);
                        client.writeAndFlush(new Authentication(Authentication.SASL, mechanisms).encode(client.alloc()));
                    }
                }
            }
        }
    }

    private void authenticate(PgFrame frame) {
        if (frame.type() != PasswordMessage.TYPE) throw new ProtocolException("expected a password message, got '" + (char) frame.type() + "'");
        if (scram != null) {
            scramStep(frame);
            return;
        }
        String given = PasswordMessage.decode(frame.body()).password();
        String expected = proxy.config().users().get(user);
        boolean ok = expected != null && switch (proxy.config().clientAuth()) {
            case CLEARTEXT -> given.equals(expected);
            case MD5 -> given.equals(Md5.hash(user, expected, md5Salt));
            case TRUST -> true;
            case SCRAM_SHA_256 -> false; // handled by scramStep
        };
        if (!ok) {
            fatal("28P01", "password authentication failed for user \"" + user + "\"");
            return;
        }
        loggedIn();
    }

    /** One SCRAM-SHA-256 round: SASLInitialResponse, then SASLResponse; PostgreSQL's messages and error codes. */
    private void scramStep(PgFrame frame) {
        try {
            if (!scram.started()) {
                SaslInitialResponse first = SaslInitialResponse.decode(frame.body());
                if (!scram.mechanisms().contains(first.mechanism())) {
                    fatal("28000", "SASL authentication mechanism " + first.mechanism() + " is not supported (offered: "
                            + String.join(", ", scram.mechanisms()) + ")");
                    return;
                }
                String serverFirst = scram.serverFirst(first.mechanism(), first.text());
                client.writeAndFlush(new Authentication(Authentication.SASL_CONTINUE, serverFirst.getBytes(java.nio.charset.StandardCharsets.UTF_8)).encode(client.alloc()));
                return;
            }
            String serverFinal = scram.serverFinal(SaslResponse.decode(frame.body()).text());
            if (serverFinal == null || proxy.config().users().get(user) == null) {
                fatal("28P01", "password authentication failed for user \"" + user + "\"");
                return;
            }
            scram = null;
            client.write(new Authentication(Authentication.SASL_FINAL, serverFinal.getBytes(java.nio.charset.StandardCharsets.UTF_8)).encode(client.alloc()));
            loggedIn();
        } catch (IllegalArgumentException e) {
            fatal("08P01", "malformed SCRAM message: " + e.getMessage());
        } catch (java.security.GeneralSecurityException e) {
            fatal("XX000", "SCRAM failed: " + e.getMessage());
        }
    }

    private void loggedIn() {
        phase = Phase.LOGGING_IN;
        if (proxy.isAdminDatabase(database)) {
            client.write(Authentication.ok().encode(client.alloc()));
            finishLogin(Map.of("server_version", "17.0 (bypass admin console)", "client_encoding", "UTF8",
                    "server_encoding", "UTF8", "DateStyle", "ISO, MDY", "integer_datetimes", "on", "standard_conforming_strings", "on"));
            return;
        }
        QueryHook.Verdict auth;
        try {
            auth = proxy.queryHook().onAuthenticated(user, database, proxy.config().clientAuth(), tls);
        } catch (RuntimeException e) {
            auth = QueryHook.Verdict.reject("28000", "authentication hook failed: " + e.getMessage());
        }
        if (!auth.allowed()) {
            fatal(auth.sqlState(), auth.message());
            return;
        }
        pool = proxy.pool(database, user);
        Map<String, String> known = pool.knownParameters();
        if (known != null && proxy.config().poolMode() != ProxyConfig.PoolMode.SESSION) {
            // A server of this pool logged in before: its parameters are the client's, no server is taken for it.
            client.write(Authentication.ok().encode(client.alloc()));
            finishLogin(known);
            return;
        }
        // Log in to a server first so that the client sees the real server parameters and a failing database is
        // reported at connect time, as PostgreSQL itself would.
        pool.acquire().whenComplete((s, e) -> client.eventLoop().execute(() -> {
            if (e != null) {
                fatal("08006", rootMessage(e));
                return;
            }
            if (phase == Phase.CLOSED || !client.isActive()) {
                pool.release(s);
                return;
            }
            client.write(Authentication.ok().encode(client.alloc()));
            Map<String, String> params = s.parameters();
            if (proxy.config().poolMode() == ProxyConfig.PoolMode.SESSION) {
                attach(s);
            } else {
                pool.release(s);
            }
            finishLogin(params);
        }));
    }

    private void finishLogin(Map<String, String> params) {
        lastParameters = params;
        params.forEach((k, v) -> client.write(new ParameterStatus(k, v).encode(client.alloc())));
        client.write(new BackendKeyData(processId, secretKey).encode(client.alloc()));
        client.writeAndFlush(new ReadyForQuery('I').encode(client.alloc()));
        phase = Phase.READY;
        replay(early, this::fromClient);
    }

    /** Hands the frames to {@code step} in order; a protocol error ends the session and the rest are only released. */
    private void replay(ArrayDeque<PgFrame> frames, java.util.function.Consumer<PgFrame> step) {
        PgFrame f;
        while ((f = frames.poll()) != null) {
            try {
                if (phase != Phase.CLOSED) step.accept(f);
            } catch (ProtocolException e) {
                fatal("08P01", "protocol violation: " + e.getMessage());
            } finally {
                f.release();
            }
        }
    }

    private void fromClient(PgFrame frame) {
        byte type = frame.type();
        if (TRACE) trace("client -> '" + (char) type + "' server=" + (server == null ? null : server.key()) + " skip=" + skipUntilSync + " acquiring=" + acquiring);
        if (type == 'X') { // Terminate
            client.close();
            return;
        }
        if (proxy.isAdminDatabase(database)) {
            proxy.admin().handle(client, frame);
            return;
        }
        synchronized (this) {
            if (skipUntilSync) {
                if (type != 'S') return;
                skipUntilSync = false;
            }
            if (mirrorBatch != null) mirrorFollow(frame);
            QueryRequest request = null;
            if (type == Query.TYPE || type == Parse.TYPE || type == FUNCTION_CALL) {
                request = classify(frame);
                QueryHook.Verdict v;
                try {
                    v = proxy.queryHook().onQuery(request);
                } catch (RuntimeException e) { // a failing program must not let the query through
                    v = QueryHook.Verdict.reject("XX000", "query hook failed: " + e.getMessage());
                }
                if (!v.allowed()) {
                    lastClassification = null;
                    refuse(type, v.sqlState(), v.message());
                    return;
                }
                Classification c = lastClassification;
                if (c != null) {
                    sqlPrepared.apply(c);
                    if (c.ops().contains(DROP_ALL)) frame.mark(PgFrame.DROPS_PREPARED);
                    if (type == Parse.TYPE && statementClasses.size() < 10_000) {
                        String name = Messages.readCString(frame.body());
                        if (!name.isEmpty()) statementClasses.put(name, request.primary());
                    }
                }
                if (type == Query.TYPE) proxy.countStatements(ProxyServer.Protocol.SIMPLE, request.statements());
                else if (type == FUNCTION_CALL) proxy.countStatements(ProxyServer.Protocol.FUNCTION_CALL, 1);
                if (proxy.mirror() != null && type != FUNCTION_CALL) mirrorStart(frame, request);
                if (type == Query.TYPE && proxy.config().poolMode() == ProxyConfig.PoolMode.TRANSACTION && isSessionOnly(request.sql())) {
                    refuse(type, "0A000", "LISTEN is not supported in transaction pooling mode; use session mode");
                    return;
                }
            } else if (type == 'E') {
                proxy.countStatements(ProxyServer.Protocol.EXTENDED, 1);
            }
            if (type == 'P' || type == 'B' || type == 'D' || type == 'E' || type == 'C') inExtended = true;
            if (type == 'S') {
                inExtended = false;
                if (server == null && queued.isEmpty() && !acquiring) {
                    // Nothing outstanding and no server held: the answer is known without asking one.
                    answer(new ReadyForQuery('I').encode(client.alloc()));
                    flushClient();
                    return;
                }
            }
            if (server != null) {
                toServer(frame);
                return;
            }
            if (type == Parse.TYPE && queued.isEmpty() && !acquiring && prepareWithoutServer(frame)) return;
            queued.add(frame.retain());
            if (acquiring) return;
            target = routeOf(queued.peek(), frame == queued.peek() ? request : null);
            // An idle server at hand is taken on the spot; only a wait goes through the pool's queue.
            ServerConnection idle = target.tryAcquire();
            if (idle != null) {
                attach(idle);
                return;
            }
            acquiring = true;
        }
        target.acquire().whenComplete((s, e) -> client.eventLoop().execute(() -> {
            synchronized (this) {
                acquiring = false;
            }
            if (e != null) {
                fatal("53300", rootMessage(e));
                return;
            }
            if (phase == Phase.CLOSED) {
                pool.release(s);
                return;
            }
            attach(s);
        }));
    }

    /**
     * A named statement prepared outside a transaction (transaction mode) whose definition a server of the pool has
     * parsed before: answered at once and prepared later on whichever server the client uses, so that a client
     * preparing with a blocking call (libpq's PQprepare: Parse, Sync) needs no server while all are held, possibly
     * by clients sharing its thread. Called with the session lock held; false when the usual path must take it.
     */
    private boolean prepareWithoutServer(PgFrame frame) {
        if (proxy.config().poolMode() != ProxyConfig.PoolMode.TRANSACTION) return false;
        Parse p = Parse.decode(frame.body());
        if (p.statement().isEmpty() || statements.containsKey(p.statement())) return false;
        Parse definition = p.named("");
        if (!pool.parsedBefore(definition)) return false;
        statements.put(p.statement(), definition);
        answer(Completion.PARSE.encode(client.alloc()));
        return true;
    }

    /**
     * Mirroring: a simple query the mirror hook picks is copied to the shadow at once; an extended batch starting
     * with a Parse of the unnamed statement is copied frame by frame up to its Sync and sent then (a batch that
     * turns to a named statement is not mirrored: the shadow would not know it).
     */
    private void mirrorStart(PgFrame frame, QueryRequest request) {
        boolean pick;
        try {
            pick = proxy.queryHook().mirror(request);
        } catch (RuntimeException e) {
            pick = false;
        }
        if (!pick) return;
        if (frame.type() == Query.TYPE) {
            proxy.mirror().submit(database, user, frame.frame().copy());
        } else if (mirrorBatch == null && Parse.decode(frame.body()).statement().isEmpty()) {
            mirrorBatch = new ArrayList<>();
            mirrorBatch.add(frame.frame().copy());
        }
    }

    /** The next client frame while an extended batch is being copied for the shadow. */
    private void mirrorFollow(PgFrame frame) {
        byte type = frame.type();
        boolean fits = switch (type) {
            case 'B' -> Bind.decode(frame.body()).statement().isEmpty();
            case 'D', 'E', 'C', 'H', 'S' -> true;
            case 'P' -> Parse.decode(frame.body()).statement().isEmpty();
            default -> false;
        };
        if (!fits) {
            dropMirrorBatch();
            return;
        }
        mirrorBatch.add(frame.frame().copy());
        if (type == 'S') {
            io.netty.buffer.ByteBuf all = io.netty.buffer.Unpooled.wrappedBuffer(mirrorBatch.toArray(io.netty.buffer.ByteBuf[]::new));
            mirrorBatch = null;
            proxy.mirror().submit(database, user, all);
        }
    }

    private void dropMirrorBatch() {
        if (mirrorBatch == null) return;
        for (io.netty.buffer.ByteBuf b : mirrorBatch) b.release();
        mirrorBatch = null;
    }

    /** A request the proxy refuses itself: an error in request order, then ReadyForQuery or skipping until Sync. */
    private void refuse(byte type, String sqlState, String message) {
        dropMirrorBatch(); // what the primary refuses, the shadow does not run either
        answer(ErrorResponse.of("ERROR", sqlState, message).encode(client.alloc()));
        // a simple Query and a FunctionCall end with ReadyForQuery; an extended batch is skipped up to its Sync
        if (type == Query.TYPE || type == FUNCTION_CALL) answer(new ReadyForQuery(server == null ? 'I' : server.transactionStatus()).encode(client.alloc()));
        else skipUntilSync = true;
        flushClient();
    }

    /** A reply made by the proxy, delivered after the replies to every earlier request. */
    private void answer(ByteBuf reply) {
        expected.add(Expected.synthetic(reply));
        if (expected.size() == 1) deliverSynthetic();
    }

    /**
     * Sends one client frame to the held server. In transaction mode named statements are the client's own: each
     * is prepared under a server-unique name on whichever server the client holds, once per server, and Bind,
     * Describe and Close are renamed to match. Called with the session lock held.
     */
    private void toServer(PgFrame frame) {
        ServerConnection s = server;
        boolean renames = proxy.config().poolMode() == ProxyConfig.PoolMode.TRANSACTION;
        switch (frame.type()) {
            case 'P' -> {
                Parse p = Parse.decode(frame.body());
                if (!renames || p.statement().isEmpty()) {
                    forward(s, frame, Expected.of(Expected.Kind.PARSE));
                } else if (statements.containsKey(p.statement())) {
                    refuse(Parse.TYPE, "42P05", "prepared statement \"" + p.statement() + "\" already exists");
                } else {
                    Parse definition = p.named("");
                    statements.put(p.statement(), definition);
                    String name = s.preparedName(definition);
                    if (name != null) {
                        expected.add(new Expected(Expected.Kind.SYNTHETIC, Completion.PARSE.encode(client.alloc()), p.statement(), null, null));
                        if (expected.size() == 1) deliverSynthetic();
                    } else {
                        name = s.prepare(definition);
                        s.write(p.named(name).encode(s.channel().alloc()));
                        expected.add(new Expected(Expected.Kind.PARSE, null, p.statement(), definition, name));
                    }
                }
            }
            case 'B' -> {
                Bind b = Bind.decode(frame.body());
                Parse definition = renames && !b.statement().isEmpty() ? statements.get(b.statement()) : null;
                if (definition == null) {
                    // Unnamed, session mode, or unknown to the client: the server gives the real answer.
                    forward(s, frame, Expected.of(Expected.Kind.BIND));
                } else {
                    s.write(b.encodeFor(s.channel().alloc(), ensurePrepared(s, definition)));
                    expected.add(Expected.of(Expected.Kind.BIND));
                }
            }
            case 'D' -> {
                Describe d = Describe.decode(frame.body());
                Parse definition = renames && d.ofStatement() && !d.name().isEmpty() ? statements.get(d.name()) : null;
                if (definition == null) {
                    forward(s, frame, Expected.of(Expected.Kind.DESCRIBE));
                } else {
                    s.write(new Describe('S', ensurePrepared(s, definition)).encode(s.channel().alloc()));
                    expected.add(Expected.of(Expected.Kind.DESCRIBE));
                }
            }
            case 'C' -> {
                Close c = Close.decode(frame.body());
                if (renames && c.ofStatement() && !c.name().isEmpty()) {
                    // The server copy stays for the next client that prepares the same statement.
                    statements.remove(c.name());
                    answer(Completion.CLOSE.encode(client.alloc()));
                } else {
                    forward(s, frame, Expected.of(Expected.Kind.CLOSE));
                }
            }
            case 'E' -> forward(s, frame, Expected.of(Expected.Kind.EXECUTE));
            case 'S' -> forward(s, frame, Expected.of(Expected.Kind.SYNC));
            case 'F' -> forward(s, frame, Expected.of(Expected.Kind.SIMPLE));
            case 'Q' -> {
                if (renames && frame.marked(PgFrame.DROPS_PREPARED)) {
                    statements.clear();
                    s.forgetAllPrepared();
                }
                forward(s, frame, Expected.of(Expected.Kind.SIMPLE));
            }
            default -> s.write(frame.frame().retainedDuplicate()); // Flush, COPY data: no reply of their own
        }
    }

    private void forward(ServerConnection s, PgFrame frame, Expected reply) {
        s.write(frame.frame().retainedDuplicate());
        expected.add(reply);
    }

    private String ensurePrepared(ServerConnection s, Parse definition) {
        String name = s.preparedName(definition);
        if (name != null) return name;
        name = s.prepare(definition);
        s.write(definition.named(name).encode(s.channel().alloc()));
        expected.add(new Expected(Expected.Kind.INJECTED_PARSE, null, null, definition, name));
        return name;
    }

    /**
     * The pool for the transaction this frame starts: the route hook decides when replicas are configured, from the
     * class of its first request ({@code request} when the frame was just classified, else what its named
     * statement was parsed as).
     */
    private Pool routeOf(PgFrame first, QueryRequest request) {
        int replicas = proxy.config().replicas().size();
        if (replicas == 0 || proxy.config().poolMode() != ProxyConfig.PoolMode.TRANSACTION) return pool;
        StatementClass cls = request != null ? request.primary()
                : first.type() == 'B' ? statementClasses.get(Bind.decode(first.body()).statement()) : null;
        if (cls == null) return pool;
        int backend;
        try {
            backend = proxy.queryHook().route(user, database, cls, replicas);
        } catch (RuntimeException e) {
            System.err.println("bypass proxy: route hook: " + e.getMessage());
            backend = 0;
        }
        return backend == 0 ? pool : proxy.pool(database, user, backend);
    }

    /**
     * Reads what a Query, Parse or FunctionCall asks to run: its text (up to its NUL), classified statement by
     * statement, with EXECUTEs resolved against this session's prepared statements. Called with the session lock
     * held; leaves the text's classification in {@link #lastClassification}.
     */
    private QueryRequest classify(PgFrame frame) {
        if (frame.type() == FUNCTION_CALL) {
            lastClassification = null;
            return new QueryRequest(user, database, QueryRequest.Kind.FUNCTION_CALL, new byte[0], 0, 0, StatementClass.ROUTINE.bit(), 1);
        }
        ByteBuf body = frame.body();
        int from = body.readerIndex();
        if (frame.type() == Parse.TYPE) {
            int nameEnd = body.indexOf(from, body.writerIndex(), (byte) 0);
            if (nameEnd < 0) throw new ProtocolException("Parse message without a statement name");
            from = nameEnd + 1;
        }
        int end = body.indexOf(from, body.writerIndex(), (byte) 0);
        if (end < 0) throw new ProtocolException((frame.type() == Parse.TYPE ? "Parse" : "Query") + " text is not NUL-terminated");
        byte[] text = new byte[end - from];
        body.getBytes(from, text);
        Classification c = proxy.classifier().classify(text, text.length, rawBackslashes());
        lastClassification = c;
        return new QueryRequest(user, database, frame.type() == Parse.TYPE ? QueryRequest.Kind.PARSE : QueryRequest.Kind.QUERY,
                text, text.length, text.length, c.mask() | sqlPrepared.effects(c), c.statements());
    }

    /**
     * Whether the client's encoding may hide a backslash inside a multibyte character (the server converts the text
     * before reading it), so the classifier also reads backslashes as plain bytes.
     */
    private boolean rawBackslashes() {
        String encoding = lastParameters.get("client_encoding");
        return encoding != null && RAW_BACKSLASH_ENCODINGS.contains(encoding.toUpperCase(java.util.Locale.ROOT).replace("-", "").replace("_", ""));
    }

    private static final java.util.Set<String> RAW_BACKSLASH_ENCODINGS = java.util.Set.of("SJIS", "SHIFTJIS", "SHIFTJIS2004", "BIG5",
            "GBK", "GB18030", "UHC", "JOHAB", "WIN932", "WIN936", "WIN949", "WIN950", "CP932", "CP936", "CP949", "CP950");

    private static final Classification.Deallocate DROP_ALL = new Classification.Deallocate(null);
    private static final byte FUNCTION_CALL = 'F';

    private void trace(String event) {
        System.err.println("bypass proxy trace: client " + processId + ": " + event);
    }

    private static boolean isSessionOnly(String sql) { return dev.bypass.proxy.hooks.QueryText.startsWithKeyword(sql, "LISTEN"); }

    private void attach(ServerConnection s) {
        if (TRACE) trace("attached server " + s.key() + " with " + queued.size() + " queued");
        proxy.hold(s, this);
        synchronized (this) {
            server = s;
        // A server of another session may report different parameters: tell the client where they differ.
        Map<String, String> params = s.parameters();
        if (params != lastParameters && !params.equals(lastParameters)) {
            params.forEach((k, v) -> {
                if (!v.equals(lastParameters.get(k))) answer(new ParameterStatus(k, v).encode(client.alloc()));
            });
            lastParameters = params;
        }
            replay(queued, this::toServer);
        }
        s.flush();
        flushClient();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ServerConnection s = server;
        if (s != null) s.flush();
        if (phase == Phase.READY) flushClient(); // replies the proxy gave itself
    }

    // ---- server side callbacks (server's event loop) ----

    @Override
    public void fromServer(ServerConnection s, PgFrame frame) {
        byte type = frame.type();
        if (TRACE) trace("server " + s.key() + " -> '" + (char) type + "' expecting " + expected);
        boolean mayRelease = false;
        try {
            synchronized (this) {
                if (server != s) return;
                if (type == 'N' || type == 'S' || type == 'A') { // notices, parameter changes, notifications: unsolicited
                    toClient(frame.frame().retainedDuplicate());
                    return;
                }
                deliverSynthetic();
                Expected head = expected.peek();
                if (head == null) { // nothing asked (e.g. the server shutting down): pass it on
                    toClient(frame.frame().retainedDuplicate());
                    return;
                }
                if (type == ErrorResponse.TYPE && head.kind() != Expected.Kind.SIMPLE) {
                    toClient(frame.frame().retainedDuplicate());
                    serverSkipsToSync(s);
                    return;
                }
                if (head.kind() != Expected.Kind.INJECTED_PARSE) {
                    toClient(frame.frame().retainedDuplicate());
                    if (type == 'C') {
                        try {
                            proxy.queryHook().onResult(user, database, Messages.readCString(frame.body().duplicate()));
                        } catch (RuntimeException e) { // a failing result program must not cost the client its reply
                            System.err.println("bypass proxy: result hook: " + e.getMessage());
                        }
                    }
                }
                if (head.endsWith(type)) {
                    if (type == '1' && head.serverStatement() != null) s.pool().parsedOk(head.serverStatement());
                    if (type == ReadyForQuery.TYPE) s.pool().requestDone(s.transactionStatus() == 'I');
                    expected.poll();
                    deliverSynthetic();
                    mayRelease = type == ReadyForQuery.TYPE && expected.isEmpty();
                }
            }
        } finally {
            frame.release();
        }
        if (type == ReadyForQuery.TYPE) {
            // Flush now: once released, the server's read-complete no longer reaches this session.
            synchronized (this) {
                flushClient();
            }
        }
        // Backpressure: stop reading this server while the client cannot keep up (a closed client is not slow).
        if (client.isActive() && !client.isWritable()) s.channel().config().setAutoRead(false);
        if (mayRelease && proxy.config().poolMode() == ProxyConfig.PoolMode.TRANSACTION && s.transactionStatus() == 'I') {
            EventLoop loop = client.eventLoop();
            if (loop.inEventLoop()) releaseIfIdle(s);
            else loop.execute(() -> releaseIfIdle(s));
        }
    }

    /**
     * An extended-protocol error: the server ignores everything up to the next Sync, so the replies expected for
     * those requests never come, and statements their Parses recorded were never created.
     */
    private void serverSkipsToSync(ServerConnection s) {
        Expected e;
        while ((e = expected.peek()) != null && e.kind() != Expected.Kind.SYNC) {
            expected.poll();
            if (e.clientStatement() != null) statements.remove(e.clientStatement());
            if (e.serverStatement() != null) s.forgetPrepared(e.serverStatement(), e.serverName());
            if (e.synthetic() != null) e.synthetic().release();
        }
        // Requests the client has not sent yet up to its Sync are ignored by the server too.
        if (expected.isEmpty()) skipUntilSync = true;
    }

    /** Writes the proxy's own replies that are next in line. Called with the session lock held. */
    private void deliverSynthetic() {
        Expected e;
        while ((e = expected.peek()) != null && e.kind() == Expected.Kind.SYNTHETIC) {
            expected.poll();
            toClient(e.synthetic());
        }
    }

    /**
     * Writes to the client in reply order. Writes from a server's event loop become tasks on the client's loop;
     * a write from the client's own loop must queue behind those still pending, or it would overtake them.
     */
    private void toClient(ByteBuf message) {
        EventLoop loop = client.eventLoop();
        if (loop.inEventLoop() && crossLoopWrites.get() == 0) {
            client.write(message, client.voidPromise());
            return;
        }
        crossLoopWrites.incrementAndGet();
        loop.execute(() -> {
            crossLoopWrites.decrementAndGet();
            client.write(message, client.voidPromise());
        });
    }

    private void flushClient() {
        EventLoop loop = client.eventLoop();
        if (loop.inEventLoop() && crossLoopWrites.get() == 0) client.flush();
        else loop.execute(client::flush);
    }

    @Override
    public void serverReadComplete(ServerConnection s) { flushClient(); }

    private void releaseIfIdle(ServerConnection s) {
        synchronized (this) {
            if (server != s || !expected.isEmpty() || inExtended || !queued.isEmpty() || s.transactionStatus() != 'I') return;
            server = null;
        }
        if (TRACE) trace("released server " + s.key());
        proxy.release(s);
    }

    @Override
    public void serverLost(ServerConnection s, String reason) {
        client.eventLoop().execute(() -> {
            synchronized (this) {
                if (server != s) return;
                server = null;
                clearExpected();
            }
            fatal("08006", "server connection lost: " + reason);
        });
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        ServerConnection s = server;
        if (s != null && client.isWritable()) s.channel().config().setAutoRead(true);
    }

    private void clearExpected() {
        Expected e;
        while ((e = expected.poll()) != null) if (e.synthetic() != null) e.synthetic().release();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        phase = Phase.CLOSED;
        PgFrame f;
        while ((f = queued.poll()) != null) f.release();
        while ((f = early.poll()) != null) f.release();
        ServerConnection s;
        boolean inFlight;
        synchronized (this) {
            s = server;
            server = null;
            inFlight = !expected.isEmpty() || inExtended;
            clearExpected();
            dropMirrorBatch();
        }
        if (s != null) {
            if (inFlight) {
                // A query is still running or a batch is half sent: the server's state is unknown, so it goes.
                proxy.discard(s, "client left with a query in flight");
            } else if (s.transactionStatus() != 'I') {
                proxy.resetAndRelease(s, "ROLLBACK");
            } else if (proxy.config().poolMode() == ProxyConfig.PoolMode.SESSION) {
                proxy.resetAndRelease(s, "DISCARD ALL");
            } else {
                proxy.release(s);
            }
        }
        proxy.sessionClosed(this);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof io.netty.handler.codec.DecoderException de && de.getCause() instanceof ProtocolException pe) {
            fatal("08P01", "protocol violation: " + pe.getMessage());
        } else if (cause instanceof java.io.IOException) {
            ctx.close(); // the client went away (reset, broken pipe): an ordinary end of a session
        } else {
            System.err.println("bypass proxy: closing client " + processId + ": " + cause);
            cause.printStackTrace();
            ctx.close();
        }
    }

    private void fatal(String sqlState, String message) {
        if (client.isActive()) {
            client.writeAndFlush(ErrorResponse.of("FATAL", sqlState, message).encode(client.alloc()))
                    .addListener(io.netty.channel.ChannelFutureListener.CLOSE);
        }
        phase = Phase.CLOSED;
    }

    private static String rootMessage(Throwable e) {
        while (e.getCause() != null && e instanceof java.util.concurrent.CompletionException) e = e.getCause();
        if (e instanceof java.util.concurrent.TimeoutException) return "no server connection available within the acquire timeout";
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }
}
