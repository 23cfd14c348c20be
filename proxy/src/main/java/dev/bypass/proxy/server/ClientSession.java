package dev.bypass.proxy.server;

import dev.bypass.proxy.config.ProxyConfig;
import dev.bypass.proxy.hooks.QueryHook;
import dev.bypass.proxy.hooks.QueryRequest;
import dev.bypass.proxy.hooks.SessionInfo;
import dev.bypass.proxy.config.DatabaseConfig;
import dev.bypass.proxy.config.HbaRules;
import dev.bypass.proxy.config.Secret;
import dev.bypass.proxy.config.Settings;
import dev.bypass.proxy.config.Settings.PoolMode;
import dev.bypass.proxy.config.UserConfig;
import dev.bypass.proxy.pool.Pool;
import dev.bypass.proxy.pool.ServerConnection;
import dev.bypass.proxy.sql.Classification;
import dev.bypass.proxy.sql.PreparedStatements;
import dev.bypass.proxy.sql.StatementClass;
import dev.bypass.proxy.sql.StatementClassifier;
import dev.bypass.proxy.wire.*;
import dev.bypass.proxy.wire.MessageType.Backend;
import dev.bypass.proxy.wire.MessageType.Frontend;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One client connection. Start-up: SSLRequest and GSSENCRequest are answered ('S' when client TLS is configured,
 * else 'N'), CancelRequest is relayed to the server running the client's query, StartupMessage is checked
 * ({@link StartupParameters}), the client authenticated (auth_type, auth_hba_file, auth_file or auth_query,
 * {@link Authenticator}), and its database's limits applied. Then every frame goes to a server connection from the
 * pool: held for the whole session in session pooling; in transaction (statement) pooling taken at the first message
 * and given back at a ReadyForQuery that says idle (after every query) once every Query and Sync the client sent has
 * been answered, so extended-protocol batches stay on one server until their Sync. The parameters the proxy tracks
 * for the client (client_encoding, DateStyle, ...) are set on each server it gets. Messages too large to gather pass
 * through in pieces. All state changes run on this client's event loop; replies from servers arrive on theirs.
 */
final class ClientSession extends ChannelInboundHandlerAdapter implements ServerConnection.ServerUser {
    private static final SecureRandom RANDOM = new SecureRandom();
    /** {@code -Dbypass.proxy.trace=true}: one log line per message in either direction, for protocol debugging. */

    /** LOGGING_IN: the client proved who it is, the proxy is still logging in to a server for it. */
    enum Phase { STARTUP, AUTH, LOGGING_IN, READY, CLOSED }

    private final ProxyServer proxy;
    private final PgFrameDecoder decoder;
    private Channel client;
    private Phase phase = Phase.STARTUP;
    final long openedNanos = System.nanoTime();
    final long openedMillis = System.currentTimeMillis();
    private String user, database;
    private DatabaseConfig db;
    private Authenticator authenticator;
    /** The client connection runs over TLS. */
    private boolean tls;
    /** An admin console session, and whether it may change state (admin_users) or only look (stats_users). */
    private boolean admin, adminPrivileged;
    /** Counted in max_client_conn (the proxy sets and clears it). */
    boolean countedAsClient;
    /** What the client asked for at start-up and the values of the parameters tracked for it since. */
    private final Map<String, String> tracked = new LinkedHashMap<>();
    private String applicationName = "";
    private PoolMode mode = PoolMode.SESSION;
    /** The pool the pending acquisition comes from (the primary's unless the route hook chose a replica). */
    private Pool target;
    private Pool pool;
    private ServerConnection server;
    private boolean acquiring;
    private long waitingSinceNanos;
    private final ArrayDeque<Object> queued = new ArrayDeque<>();
    /** Replies owed to the client, in request order. Guarded by the session lock. */
    private final ArrayDeque<Expected> expected = new ArrayDeque<>();
    /** Named prepared statements of this client (transaction mode): name to definition. */
    private final HashMap<String, Parse> statements = new HashMap<>();
    private final java.util.concurrent.atomic.AtomicInteger crossLoopWrites = new java.util.concurrent.atomic.AtomicInteger();
    /** Extended-protocol messages were sent since the last Sync. */
    private boolean inExtended;
    /** After an error in an extended-protocol batch: drop the client's messages until its Sync. */
    private boolean skipUntilSync;
    /** Frames that arrived while logging in to a server, replayed once the login completes. */
    private final ArrayDeque<Object> early = new ArrayDeque<>();
    /** Copies of the client's extended-protocol frames since a mirrored Parse, sent to the shadow at Sync. */
    private List<ByteBuf> mirrorBatch;
    final int processId;
    final int secretKey = RANDOM.nextInt();
    private Map<String, String> lastParameters = Map.of();
    /** SQL-level prepared statements of this client (PREPARE name AS ...) and what each does. */
    private final PreparedStatements sqlPrepared = new PreparedStatements();
    /** The classification of the text the hook was last asked about (null for a FunctionCall). */
    private Classification lastClassification;
    /** What each named protocol-level statement of this client was parsed as (the route hook reads it at Bind). */
    private final Map<String, StatementClass> statementClasses = new HashMap<>();
    /** Where the pieces of the client's current large message go (null: none is under way). */
    private Streamed streamed;
    /** When the client last sent something, when its oldest unanswered request went out, when its transaction began. */
    private volatile long lastRequestNanos = System.nanoTime(), requestStartNanos, transactionStartNanos;
    /** When the statement whose CommandComplete comes next began (its request sent, or the previous one completed). */
    private volatile long statementStartNanos;
    /** The session as hooks see it, made at start-up. */
    private SessionInfo hookSession;
    /** Texts of named prepared statements (their first bytes), for the query hook at Bind when it asks for them. */
    private final Map<String, QueryRequest> boundTexts = new HashMap<>();
    private volatile String closeReason;
    private int cancelRequests;
    private ScramKeys scramKeys;

    /** A ClientKey learnt by this login's SCRAM exchange. */
    private record ScramKeys(byte[] clientKey) {}

    ClientSession(ProxyServer proxy, PgFrameDecoder decoder, int processId) {
        this.proxy = proxy;
        this.decoder = decoder;
        this.processId = processId;
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

    synchronized ServerConnection currentServer() { return server; }

    /** The pool this client uses (null before login and for the console). */
    Pool poolIfAny() { return pool; }

    /** SHOW CLIENTS' state: active (linked or idle), waiting (for a server), login. */
    String state() {
        if (phase != Phase.READY) return "login";
        return acquiring ? "waiting" : "active";
    }

    long waitingMicros() { return acquiring ? (System.nanoTime() - waitingSinceNanos) / 1000 : 0; }

    long lastRequestMillis() { return openedMillis + (lastRequestNanos - openedNanos) / 1_000_000; }

    int preparedStatementCount() { return statements.size(); }

    void cancelRequested() { cancelRequests++; }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        client = ctx.channel();
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
                case STARTUP -> startup(frame);
                case AUTH -> authenticate(frame);
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

    // ---- start-up and login ----

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
                if (decoder.pendingBytes() > 0) { // bytes sent before the handshake would bypass TLS
                    fatal("08P01", "received unencrypted data after SSL request");
                    return;
                }
                // 'S' goes out in plain text, then the handshake: the TLS handler sits in front of the frame decoder.
                client.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'S'}));
                client.pipeline().addFirst("tls", TlsContexts.handler(tlsContext, proxy.config(), client.alloc()));
                tls = true;
            }
            case StartupCodes.GSSENC_REQUEST -> client.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'N'}));
            case StartupCodes.CANCEL_REQUEST -> {
                proxy.cancel(CancelRequest.decode(body));
                client.close();
            }
            default -> login(StartupMessage.decode(body));
        }
    }

    private void login(StartupMessage sm) {
        ProxyConfig config = proxy.config();
        if (sm.protocol() >> 16 != 3) {
            fatal("0A000", "unsupported frontend protocol " + (sm.protocol() >> 16) + "." + (sm.protocol() & 0xffff));
            return;
        }
        StartupParameters params;
        try {
            params = StartupParameters.read(sm.parameters(), config);
        } catch (StartupParameters.Refused e) {
            user = sm.user();
            database = sm.database();
            fatal("08P01", e.getMessage());
            return;
        }
        user = params.user();
        database = params.database();
        tracked.putAll(params.tracked());
        if (user.isEmpty()) {
            fatal("28000", "no PostgreSQL user name specified in startup packet");
            return;
        }
        if (!params.protocolExtensions().isEmpty()) client.write(negotiateProtocol(params.protocolExtensions()));
        if (!tls && config.clientTls() != null && config.clientTls().required()) {
            fatal("28000", "TLS is required: connect with sslmode=require");
            return;
        }
        admin = proxy.isAdminDatabase(database);
        if (!admin) {
            db = config.database(database);
            if (db == null) {
                fatal("3D000", "no such database: " + database);
                return;
            }
            if (proxy.databaseDisabled(database)) {
                fatal("55000", "database \"" + database + "\" does not allow connections (DISABLE)");
                return;
            }
            if (proxy.shuttingDown()) {
                fatal("57P01", "the proxy is shutting down");
                return;
            }
            if (config.authType() == Settings.AuthType.ANY) user = db.forcedUser();
        }
        QueryHook.Verdict admitted;
        try {
            hookSession = new SessionInfo(processId, user, database, client.remoteAddress(), tls);
            admitted = proxy.queryHook().onConnect(hookSession());
        } catch (RuntimeException e) {
            admitted = QueryHook.Verdict.reject("28000", "connect hook failed: " + e.getMessage());
        }
        if (!admitted.allowed()) {
            fatal(admitted.sqlState(), admitted.message());
            return;
        }
        if (!admin && !clientLimitsAllow(config)) return;
        if (config.get(Settings.LOG_CONNECTIONS))
            proxy.log().info(prefix() + "login attempt: db=" + database + " user=" + user + " tls=" + (tls ? "yes" : "no"));
        decoder.switchToRegular();
        phase = Phase.AUTH;
        chooseMethod(config);
    }

    /** max_client_conn (early refusal; counted at login), max_db_client_connections, max_user_client_connections. */
    private boolean clientLimitsAllow(ProxyConfig config) {
        if (proxy.clientCount() >= config.maxClients()) {
            fatal("53300", "sorry, too many clients already");
            return false;
        }
        int dbMax = db.maxDbClientConnections() != null ? db.maxDbClientConnections() : config.get(Settings.MAX_DB_CLIENT_CONNECTIONS);
        if (dbMax > 0 && proxy.clientsOf(database) >= dbMax) {
            fatal("53300", "too many client connections for database \"" + database + "\" (max_db_client_connections = " + dbMax + ")");
            return false;
        }
        UserConfig u = config.user(user);
        int userMax = u != null && u.maxUserClientConnections() != null ? u.maxUserClientConnections() : config.get(Settings.MAX_USER_CLIENT_CONNECTIONS);
        if (userMax > 0 && proxy.clientsOfUser(user) >= userMax) {
            fatal("53300", "too many client connections for user \"" + user + "\" (max_user_client_connections = " + userMax + ")");
            return false;
        }
        return true;
    }

    /** auth_type, or the auth_hba_file rule that matches: how this client proves who it is. */
    private void chooseMethod(ProxyConfig config) {
        Settings.AuthType type = config.authType();
        if (type == Settings.AuthType.ANY) {
            loggedIn(ProxyConfig.ClientAuth.TRUST);
            return;
        }
        HbaRules.Method method = switch (type) {
            case TRUST -> HbaRules.Method.TRUST;
            case PLAIN -> HbaRules.Method.PASSWORD;
            case MD5 -> HbaRules.Method.MD5;
            case SCRAM_SHA_256 -> HbaRules.Method.SCRAM_SHA_256;
            case CERT -> HbaRules.Method.CERT;
            case HBA -> null;
            default -> HbaRules.Method.REJECT;
        };
        String map = null;
        if (method == null) {
            boolean unix = client.remoteAddress() instanceof io.netty.channel.unix.DomainSocketAddress;
            java.net.InetAddress address = client.remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
            HbaRules.Rule rule = config.hba().match(unix, address, tls, admin ? ProxyServer.PGBOUNCER_DATABASE : database, user);
            if (rule == null) {
                fatal("28000", "no pg_hba.conf entry for host \"" + (address == null ? "[local]" : address.getHostAddress()) + "\", user \"" + user
                        + "\", database \"" + database + "\", " + (tls ? "SSL encryption" : "no encryption") + " (auth_hba_file)");
                return;
            }
            method = rule.method();
            map = rule.map();
        }
        switch (method) {
            case REJECT -> fatal("28000", "pg_hba.conf rejects connection for user \"" + user + "\", database \"" + database + "\" (auth_hba_file)");
            case TRUST -> withSecret(config, s -> {
                if (s == null && config.hasUserList()) fatal("28000", "\"trust\" authentication failed for user \"" + user + "\" (not in auth_file)");
                else loggedIn(ProxyConfig.ClientAuth.TRUST);
            });
            case CERT -> certificate(config, map);
            case PEER -> peer(config, map);
            case PASSWORD -> withSecret(config, s -> exchange(new Authenticator(user, s, Authenticator.Method.PLAIN, null)));
            case MD5 -> withSecret(config, s -> exchange(new Authenticator(user, s,
                    s instanceof Secret.Scram ? Authenticator.Method.SCRAM : Authenticator.Method.MD5, tls ? proxy.clientTlsBinding() : null)));
            case SCRAM_SHA_256 -> withSecret(config, s -> exchange(new Authenticator(user, s, Authenticator.Method.SCRAM, tls ? proxy.clientTlsBinding() : null)));
        }
    }

    /**
     * What is known of the user's password: auth_file, else auth_query (run as auth_user, asynchronously); the
     * continuation runs on this client's event loop with null for an unknown user.
     */
    private void withSecret(ProxyConfig config, java.util.function.Consumer<Secret> then) {
        Secret s = config.secret(user);
        boolean canQuery = !admin && (db.authUser() != null || config.get(Settings.AUTH_USER) != null);
        if (s != null || !canQuery) {
            then.accept(s);
            return;
        }
        proxy.authQuery(db, user).whenComplete((secret, e) -> client.eventLoop().execute(() -> {
            if (phase == Phase.CLOSED) return;
            if (e != null) {
                Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
                proxy.log().error(prefix() + "auth_query failed: " + cause.getMessage());
                fatal("08006", "could not look the user up (auth_query): " + cause.getMessage());
                return;
            }
            then.accept(secret);
        }));
    }

    private void exchange(Authenticator a) {
        authenticator = a;
        client.writeAndFlush(a.request(client.alloc()));
    }

    private void authenticate(PgFrame frame) {
        if (authenticator == null) throw new ProtocolException("unexpected message '" + (char) frame.type() + "' during authentication");
        switch (authenticator.step(frame, client.alloc(), client::write)) {
            case Authenticator.Failed f -> fatal(f.sqlState(), f.message());
            case Authenticator.Ok ok -> {
                authenticator = null;
                if (ok.clientKey() != null) proxy.rememberClientKey(user, ok.clientKey());
                loggedIn(ok.method());
            }
            default -> client.flush();
        }
    }

    /** A client certificate whose common name is the user (or maps to it): auth_type = cert, or an hba cert rule. */
    private void certificate(ProxyConfig config, String map) {
        String cn = null;
        if (client.pipeline().get("tls") instanceof io.netty.handler.ssl.SslHandler h) {
            try {
                var certs = h.engine().getSession().getPeerCertificates();
                if (certs.length > 0 && certs[0] instanceof java.security.cert.X509Certificate x) cn = commonName(x);
            } catch (javax.net.ssl.SSLPeerUnverifiedException none) {
                cn = null;
            }
        }
        boolean ok = cn != null && (map != null && config.identMap() != null ? config.identMap().allows(map, cn, user) : cn.equals(user));
        if (!ok) fatal("28000", "certificate authentication failed for user \"" + user + "\"" + (cn == null ? " (no client certificate)" : ""));
        else loggedIn(ProxyConfig.ClientAuth.CERT);
    }

    private static String commonName(java.security.cert.X509Certificate cert) {
        try {
            for (var rdn : new javax.naming.ldap.LdapName(cert.getSubjectX500Principal().getName()).getRdns())
                if (rdn.getType().equalsIgnoreCase("CN")) return String.valueOf(rdn.getValue());
        } catch (javax.naming.InvalidNameException e) {
            return null;
        }
        return null;
    }

    /** The Unix socket peer's system user is the database user (or maps to it). */
    private void peer(ProxyConfig config, String map) {
        String systemUser = null;
        var credentials = Transport.peerCredentials(client);
        if (credentials != null) {
            try {
                systemUser = SystemUsers.name(credentials.uid());
            } catch (java.io.IOException e) {
                systemUser = null;
            }
        }
        boolean ok = systemUser != null && (map != null && config.identMap() != null ? config.identMap().allows(map, systemUser, user) : systemUser.equals(user));
        if (!ok) fatal("28000", "Peer authentication failed for user \"" + user + "\"");
        else loggedIn(ProxyConfig.ClientAuth.PEER);
    }

    private void loggedIn(ProxyConfig.ClientAuth method) {
        ProxyConfig config = proxy.config();
        if (admin) {
            // the console: admin_users may do everything, stats_users look; anyone else is refused, whatever their password
            adminPrivileged = config.get(Settings.ADMIN_USERS).contains(user) || config.authType() == Settings.AuthType.ANY;
            boolean stats = config.get(Settings.STATS_USERS).contains(user) || config.authType() == Settings.AuthType.ANY;
            if (!adminPrivileged && !stats) {
                fatal("28000", "not allowed: \"" + user + "\" is not in admin_users or stats_users");
                return;
            }
            if (!proxy.loggedIn(this, true)) return;
            phase = Phase.LOGGING_IN;
            client.write(Authentication.ok().encode(client.alloc()));
            finishLogin(AdminConsole.PARAMETERS);
            return;
        }
        QueryHook.Verdict auth;
        try {
            auth = proxy.queryHook().onAuthenticated(hookSession(), method);
        } catch (RuntimeException e) {
            auth = QueryHook.Verdict.reject("28000", "authentication hook failed: " + e.getMessage());
        }
        if (!auth.allowed()) {
            fatal(auth.sqlState(), auth.message());
            return;
        }
        if (!proxy.loggedIn(this, false)) {
            fatal("53300", "sorry, too many clients already");
            return;
        }
        phase = Phase.LOGGING_IN;
        String poolUser = db.forcedUser() != null ? db.forcedUser() : user;
        mode = config.poolMode(db, poolUser);
        pool = proxy.pool(database, user);
        if (config.get(Settings.APPLICATION_NAME_ADD_HOST)) {
            String app = tracked.getOrDefault("application_name", "app");
            tracked.put("application_name", app + " - " + addressText());
        }
        applicationName = tracked.getOrDefault("application_name", "");
        Map<String, String> known = pool.knownParameters();
        if (known != null && mode != PoolMode.SESSION) {
            // A server of this pool logged in before: its parameters, with the client's own, are what the client is
            // told, without taking a server for it.
            client.write(Authentication.ok().encode(client.alloc()));
            finishLogin(withTracked(known));
            return;
        }
        // Log in to a server first so that the client sees the real server parameters and a failing database is
        // reported at connect time, as PostgreSQL itself would.
        waitingSinceNanos = System.nanoTime();
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
            Map<String, String> serverParams = s.parameters();
            pool.assigned(System.nanoTime() - waitingSinceNanos);
            if (mode == PoolMode.SESSION) {
                finishLogin(withTracked(serverParams));
                attach(s);
            } else {
                pool.release(s);
                finishLogin(withTracked(serverParams));
            }
        }));
    }

    /** The server's parameters with the client's tracked values over them: what the client is told it has. */
    private Map<String, String> withTracked(Map<String, String> serverParameters) {
        if (tracked.isEmpty()) return serverParameters;
        Map<String, String> out = new LinkedHashMap<>(serverParameters);
        for (var e : tracked.entrySet()) {
            String name = canonical(serverParameters, e.getKey());
            out.put(name, e.getValue());
        }
        return out;
    }

    /** The name the server reports a parameter under (DateStyle, TimeZone, ...), matched without regard to case. */
    private static String canonical(Map<String, String> parameters, String name) {
        for (String k : parameters.keySet()) if (k.equalsIgnoreCase(name)) return k;
        return name;
    }

    private void finishLogin(Map<String, String> params) {
        lastParameters = params;
        params.forEach((k, v) -> client.write(new ParameterStatus(k, v).encode(client.alloc())));
        client.write(new BackendKeyData(processId, secretKey).encode(client.alloc()));
        client.writeAndFlush(new ReadyForQuery('I').encode(client.alloc()));
        phase = Phase.READY;
        if (!admin) {
            for (var e : params.entrySet()) if (isTracked(e.getKey())) tracked.put(e.getKey(), e.getValue());
        }
        if (proxy.config().get(Settings.LOG_CONNECTIONS))
            proxy.log().info(prefix() + "login: db=" + database + " user=" + user + (admin ? " (console, " + (adminPrivileged ? "admin" : "stats") + ")" : ""));
        replay(early);
    }

    private boolean isTracked(String name) {
        for (String t : StartupParameters.TRACKED) if (t.equalsIgnoreCase(name)) return true;
        for (String t : proxy.config().get(Settings.TRACK_EXTRA_PARAMETERS)) if (t.equalsIgnoreCase(name)) return true;
        return false;
    }

    private ByteBuf negotiateProtocol(List<String> unsupported) {
        ByteBuf b = Messages.begin(client.alloc(), (char) Backend.NEGOTIATE_PROTOCOL_VERSION);
        b.writeInt(StartupMessage.PROTOCOL_3_0 & 0xffff); // the newest minor version supported: 3.0
        b.writeInt(unsupported.size());
        for (String u : unsupported) Messages.writeCString(b, u);
        return Messages.finish(b);
    }

    /** Hands the queued messages to the relay in order; a protocol error ends the session and the rest are only released. */
    private void replay(ArrayDeque<Object> messages) {
        Object m;
        while ((m = messages.poll()) != null) {
            try {
                if (phase == Phase.CLOSED) continue;
                if (m instanceof PgFrame f) fromClient(f);
                else if (m instanceof PgChunk c) {
                    ((PgChunk) m).retain();
                    fromClientChunk(c);
                }
            } catch (ProtocolException e) {
                fatal("08P01", "protocol violation: " + e.getMessage());
            } finally {
                ReferenceCountUtil.release(m);
            }
        }
    }

    // ---- the relay ----

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
        if (type == Query.TYPE && proxy.config().get(Settings.DISABLE_PQEXEC)) {
            fatal("08P01", "the simple query protocol is not allowed here (disable_pqexec)");
            return;
        }
        synchronized (this) {
            if (skipUntilSync) {
                if (type != Frontend.SYNC) {
                    if (frame.streamed()) discardRest(type);
                    return;
                }
                skipUntilSync = false;
            }
            if (mirrorBatch != null) mirrorFollow(frame);
            QueryRequest request = null;
            boolean streamedQuery = frame.streamed() && type == Query.TYPE;
            if (!streamedQuery && (type == Query.TYPE || type == Parse.TYPE || type == FUNCTION_CALL)) {
                request = classify(frame);
                if (!allowed(request, type)) {
                    if (frame.streamed()) discardRest(type);
                    return;
                }
                Classification c = lastClassification;
                if (c != null) {
                    sqlPrepared.apply(c);
                    if (c.ops().contains(DROP_ALL)) frame.mark(PgFrame.DROPS_PREPARED);
                    if (type == Parse.TYPE && statementClasses.size() < 10_000) {
                        String name = Messages.readCString(frame.body());
                        if (!name.isEmpty()) {
                            statementClasses.put(name, request.primary());
                            if (proxy.queryHook().wantsBinds()) boundTexts.put(name, request.forBind());
                        }
                    }
                }
                if (type == Query.TYPE) proxy.countStatements(ProxyServer.Protocol.SIMPLE, request.statements());
                else if (type == FUNCTION_CALL) proxy.countStatements(ProxyServer.Protocol.FUNCTION_CALL, 1);
                if (proxy.mirror() != null && type != FUNCTION_CALL && !frame.streamed()) mirrorStart(frame, request);
                if (type == Query.TYPE && mode == PoolMode.TRANSACTION && dev.bypass.proxy.hooks.QueryText.startsWithKeyword(request.sql(), "LISTEN")) {
                    refuse(type, "0A000", "LISTEN is not supported in transaction pooling mode; use session mode");
                    return;
                }
            } else if (type == Frontend.EXECUTE) {
                proxy.countStatements(ProxyServer.Protocol.EXTENDED, 1);
            } else if (type == Frontend.BIND && !frame.streamed() && !boundTexts.isEmpty()) {
                QueryRequest bound = boundTexts.get(Bind.decode(frame.body()).statement());
                if (bound != null && !allowed(bound, type)) return;
            }
            if (pool != null) {
                if (type == Frontend.BIND) pool.statistics().bind();
                else if (type == Parse.TYPE && mode != PoolMode.SESSION) pool.statistics().clientParse();
            }
            if (type == Frontend.PARSE || type == Frontend.BIND || type == Frontend.DESCRIBE || type == Frontend.EXECUTE || type == Frontend.CLOSE) inExtended = true;
            if (type == Frontend.SYNC) {
                inExtended = false;
                if (server == null && queued.isEmpty() && !acquiring) {
                    // Nothing outstanding and no server held: the answer is known without asking one.
                    answer(new ReadyForQuery('I').encode(client.alloc()));
                    flushClient();
                    return;
                }
            }
            if (server != null && queued.isEmpty()) {
                toServer(frame);
                return;
            }
            if (type == Parse.TYPE && queued.isEmpty() && !acquiring && prepareWithoutServer(frame)) return;
            queued.add(frame.retain());
            if (acquiring) return;
            startAcquire(frame == queued.peek() ? request : null);
        }
    }

    /** The session for a hook call, with what may have changed since the last one. */
    private SessionInfo hookSession() {
        if (hookSession == null) hookSession = new SessionInfo(processId, user, database, client.remoteAddress(), tls);
        ServerConnection s = server;
        hookSession.update(tracked.getOrDefault("application_name", applicationName), s != null && s.transactionStatus() != 'I');
        return hookSession;
    }

    /** Runs the query hook; false when it refused (the refusal is answered in order). Called with the session lock held. */
    private boolean allowed(QueryRequest request, byte type) {
        QueryHook.Verdict v;
        try {
            v = proxy.queryHook().onQuery(request.session(hookSession()));
        } catch (RuntimeException e) { // a failing program must not let the query through
            v = QueryHook.Verdict.reject("XX000", "query hook failed: " + e.getMessage());
        }
        if (v.allowed()) return true;
        lastClassification = null;
        refuse(type, v.sqlState(), v.message());
        if (proxy.config().get(Settings.LOG_POOLER_ERRORS)) proxy.log().info(prefix() + "query refused: " + v.message());
        return false;
    }

    /** Takes a server for the queued requests: an idle one on the spot, else through the pool's queue. Lock held. */
    private void startAcquire(QueryRequest first) {
        if (proxy.databasePaused(database)) {
            // PAUSE: the request waits until RESUME (the pool hands out nothing meanwhile)
            acquiring = true;
            waitingSinceNanos = System.nanoTime();
            client.config().setAutoRead(false);
            return;
        }
        target = routeOf(queued.peek(), first);
        ServerConnection idle = target.tryAcquire();
        if (idle != null) {
            target.assigned(0);
            attach(idle);
            return;
        }
        acquiring = true;
        waitingSinceNanos = System.nanoTime();
        client.config().setAutoRead(false); // nothing more is read until a server takes what is queued
        Pool from = target;
        from.acquire().whenComplete((s, e) -> client.eventLoop().execute(() -> {
            synchronized (this) {
                acquiring = false;
            }
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

    /** RESUME after PAUSE: a request held back by the pause now takes its server. */
    void resumed() {
        if (client == null) return;
        client.eventLoop().execute(() -> {
            synchronized (this) {
                if (!acquiring || server != null || queued.isEmpty() || phase != Phase.READY || proxy.databasePaused(database)) return;
                acquiring = false;
                startAcquire(null);
            }
        });
    }

    /**
     * A named statement prepared outside a transaction (transaction mode) whose definition a server of the pool has
     * parsed before: answered at once and prepared later on whichever server the client uses, so that a client
     * preparing with a blocking call (libpq's PQprepare: Parse, Sync) needs no server while all are held, possibly
     * by clients sharing its thread. Called with the session lock held; false when the usual path must take it.
     */
    private boolean prepareWithoutServer(PgFrame frame) {
        if (mode == PoolMode.SESSION || !tracksStatements() || frame.streamed()) return false;
        Parse p = Parse.decode(frame.body());
        if (p.statement().isEmpty() || statements.containsKey(p.statement())) return false;
        Parse definition = p.named("");
        if (!pool.parsedBefore(definition)) return false;
        statements.put(p.statement(), definition);
        answer(Completion.PARSE.encode(client.alloc()));
        return true;
    }

    /** Whether named statements are the client's own, renamed per server (transaction and statement pooling). */
    private boolean tracksStatements() {
        return mode != PoolMode.SESSION && proxy.config().get(Settings.MAX_PREPARED_STATEMENTS) > 0;
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
        boolean fits = !frame.streamed() && switch (type) {
            case Frontend.BIND -> Bind.decode(frame.body()).statement().isEmpty();
            case Frontend.DESCRIBE, Frontend.EXECUTE, Frontend.CLOSE, Frontend.FLUSH, Frontend.SYNC -> true;
            case Frontend.PARSE -> Parse.decode(frame.body()).statement().isEmpty();
            default -> false;
        };
        if (!fits) {
            dropMirrorBatch();
            return;
        }
        mirrorBatch.add(frame.frame().copy());
        if (type == Frontend.SYNC) {
            ByteBuf all = Unpooled.wrappedBuffer(mirrorBatch.toArray(ByteBuf[]::new));
            mirrorBatch = null;
            proxy.mirror().submit(database, user, all);
        }
    }

    private void dropMirrorBatch() {
        if (mirrorBatch == null) return;
        for (ByteBuf b : mirrorBatch) b.release();
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

    /** A message larger than the whole buffer budget: its body is skipped, the client told why. */
    private void refusedFrame(RefusedFrame r) {
        if (phase != Phase.READY) {
            fatal("54000", r.reason());
            return;
        }
        synchronized (this) {
            refuse(r.type(), "54000", r.reason() + " (buffer_budget)");
        }
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
        boolean renames = tracksStatements();
        if (requestStartNanos == 0) requestStartNanos = System.nanoTime();
        if (statementStartNanos == 0) statementStartNanos = requestStartNanos;
        if (transactionStartNanos == 0) transactionStartNanos = System.nanoTime();
        pool().statistics().received(frame.length());
        if (frame.streamed()) {
            streamToServer(s, frame, renames);
            return;
        }
        switch (frame.type()) {
            case Frontend.PARSE -> {
                Parse p = Parse.decode(frame.body());
                if (!renames || p.statement().isEmpty()) {
                    forward(s, frame, Expected.of(Expected.Kind.PARSE));
                    pool().statistics().serverParse();
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
                        pool().statistics().serverParse();
                        expected.add(new Expected(Expected.Kind.PARSE, null, p.statement(), definition, name));
                        evictPrepared(s);
                    }
                }
            }
            case Frontend.BIND -> {
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
            case Frontend.DESCRIBE -> {
                Describe d = Describe.decode(frame.body());
                Parse definition = renames && d.ofStatement() && !d.name().isEmpty() ? statements.get(d.name()) : null;
                if (definition == null) {
                    forward(s, frame, Expected.of(Expected.Kind.DESCRIBE));
                } else {
                    s.write(new Describe('S', ensurePrepared(s, definition)).encode(s.channel().alloc()));
                    expected.add(Expected.of(Expected.Kind.DESCRIBE));
                }
            }
            case Frontend.CLOSE -> {
                Close c = Close.decode(frame.body());
                if (renames && c.ofStatement() && !c.name().isEmpty()) {
                    // The server copy stays for the next client that prepares the same statement.
                    statements.remove(c.name());
                    answer(Completion.CLOSE.encode(client.alloc()));
                } else {
                    forward(s, frame, Expected.of(Expected.Kind.CLOSE));
                }
            }
            case Frontend.EXECUTE -> forward(s, frame, Expected.of(Expected.Kind.EXECUTE));
            case Frontend.SYNC -> forward(s, frame, Expected.of(Expected.Kind.SYNC));
            case Frontend.FUNCTION_CALL -> forward(s, frame, Expected.of(Expected.Kind.SIMPLE));
            case Frontend.QUERY -> {
                if (renames && frame.marked(PgFrame.DROPS_PREPARED)) {
                    statements.clear();
                    s.forgetAllPrepared();
                }
                forward(s, frame, Expected.of(Expected.Kind.SIMPLE));
            }
            default -> s.write(frame.frame().retainedDuplicate()); // Flush, COPY data: no reply of their own
        }
        serverBackPressure(s);
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
        pool().statistics().serverParse();
        expected.add(new Expected(Expected.Kind.INJECTED_PARSE, null, null, definition, name));
        evictPrepared(s);
        return name;
    }

    /** Keeps at most max_prepared_statements on the server: the least recently used one is closed. Lock held. */
    private void evictPrepared(ServerConnection s) {
        int max = proxy.config().get(Settings.MAX_PREPARED_STATEMENTS);
        String victim = max > 0 ? s.evictBeyond(max) : null;
        if (victim == null) return;
        s.write(new Close('S', victim).encode(s.channel().alloc()));
        expected.add(Expected.of(Expected.Kind.INJECTED_CLOSE));
    }

    private Pool pool() { return server != null ? server.pool() : pool; }

    /** Stops reading the client while its server cannot take more (the server is slow to read what it is sent). */
    private void serverBackPressure(ServerConnection s) {
        if (!s.channel().isWritable()) client.config().setAutoRead(false);
    }

    @Override
    public void serverWritabilityChanged(ServerConnection s, boolean writable) {
        client.eventLoop().execute(() -> {
            synchronized (this) {
                if (server == s && writable && mayRead()) client.config().setAutoRead(true);
            }
        });
    }

    // ---- large messages, in pieces ----

    /** Where the pieces of a large client message go, and, for a Query, how its text is being judged. */
    private final class Streamed {
        final ServerConnection to;
        final byte type;
        /** Query: still in the text (before its NUL); the classification under way; the text's first bytes for the hook. */
        boolean inText;
        StatementClassifier.Streaming classifier;
        byte[] prefix;
        int prefixLength;
        long textLength;
        /** The query was refused: the rest of its bytes go out as 0x01, which makes the server reject the message. */
        boolean refused;
        /** Nothing goes to the server (a refused FunctionCall, or CopyData without a COPY under way). */
        boolean discard;

        Streamed(ServerConnection to, byte type) {
            this.to = to;
            this.type = type;
        }
    }

    /** The head of a large message, to the held server. Lock held. */
    private void streamToServer(ServerConnection s, PgFrame head, boolean renames) {
        byte type = head.type();
        Streamed st = new Streamed(s, type);
        streamed = st;
        ByteBuf frame = head.frame();
        switch (type) {
            case Frontend.QUERY -> {
                st.inText = true;
                st.classifier = StatementClassifier.streaming(rawBackslashes());
                st.prefix = new byte[QueryRequest.TEXT_LIMIT];
                s.write(frame.retainedSlice(frame.readerIndex(), 5));
                queryText(st, frame.slice(frame.readerIndex() + 5, frame.readableBytes() - 5));
                expected.add(Expected.of(Expected.Kind.SIMPLE));
            }
            case Frontend.BIND -> {
                Bind b = Bind.decode(head.body());
                Parse definition = renames && !b.statement().isEmpty() ? statements.get(b.statement()) : null;
                if (definition == null) {
                    s.write(frame.retainedDuplicate());
                } else {
                    String name = ensurePrepared(s, definition);
                    // the same message with the server's name for the statement: its length changes by the names' difference
                    long bodyLength = head.length() - 5 - b.statement().getBytes(StandardCharsets.UTF_8).length + name.getBytes(StandardCharsets.UTF_8).length;
                    ByteBuf h = s.channel().alloc().buffer();
                    h.writeByte(Frontend.BIND).writeInt((int) (bodyLength + 4));
                    Messages.writeCString(h, b.portal());
                    Messages.writeCString(h, name);
                    h.writeBytes(b.rest(), b.rest().readerIndex(), b.rest().readableBytes());
                    s.write(h);
                }
                expected.add(Expected.of(Expected.Kind.BIND));
            }
            case Frontend.FUNCTION_CALL -> {
                s.write(frame.retainedDuplicate());
                expected.add(Expected.of(Expected.Kind.SIMPLE));
            }
            default -> s.write(frame.retainedDuplicate()); // CopyData: no reply of its own
        }
        serverBackPressure(s);
    }

    /** Text bytes of a large Query: judged as they pass; at its NUL the hook decides what the server gets. Lock held. */
    private void queryText(Streamed st, ByteBuf bytes) {
        if (!bytes.isReadable()) return;
        if (!st.inText) {
            writeRest(st, bytes);
            return;
        }
        int nul = bytes.indexOf(bytes.readerIndex(), bytes.writerIndex(), (byte) 0);
        int textEnd = nul < 0 ? bytes.writerIndex() : nul;
        int n = textEnd - bytes.readerIndex();
        byte[] piece = new byte[n];
        bytes.getBytes(bytes.readerIndex(), piece);
        st.classifier.feed(piece, 0, n);
        int keep = Math.min(n, st.prefix.length - st.prefixLength);
        System.arraycopy(piece, 0, st.prefix, st.prefixLength, keep);
        st.prefixLength += keep;
        st.textLength += n;
        st.to.write(bytes.retainedSlice(bytes.readerIndex(), n));
        if (nul < 0) return;
        st.inText = false;
        Classification c = st.classifier.finish();
        QueryRequest request = new QueryRequest(user, database, QueryRequest.Kind.QUERY, st.prefix, st.prefixLength, st.textLength,
                c.mask() | sqlPrepared.effects(c), c.statements());
        QueryHook.Verdict v;
        try {
            v = proxy.queryHook().onQuery(request.session(hookSession()));
        } catch (RuntimeException e) {
            v = QueryHook.Verdict.reject("XX000", "query hook failed: " + e.getMessage());
        }
        if (v.allowed()) {
            sqlPrepared.apply(c);
            proxy.countStatements(ProxyServer.Protocol.SIMPLE, c.statements());
        } else {
            // the server has the text so far: without its NUL it cannot read the message, and answers an error that
            // the proxy replaces with the refusal
            st.refused = true;
            replaceLastExpected(Expected.substituting(ErrorResponse.of("ERROR", v.sqlState(), v.message()).encode(client.alloc())));
            if (proxy.config().get(Settings.LOG_POOLER_ERRORS)) proxy.log().info(prefix() + "query refused: " + v.message());
        }
        writeRest(st, bytes.slice(nul, bytes.writerIndex() - nul));
    }

    private void writeRest(Streamed st, ByteBuf bytes) {
        if (!bytes.isReadable()) return;
        if (st.refused) {
            ByteBuf filler = st.to.channel().alloc().buffer(bytes.readableBytes());
            for (int i = bytes.readableBytes(); i > 0; i--) filler.writeByte(1);
            st.to.write(filler);
        } else {
            st.to.write(bytes.retainedDuplicate());
        }
    }

    private void replaceLastExpected(Expected e) {
        // the streamed query's own reply is the last one expected
        java.util.Iterator<Expected> it = expected.descendingIterator();
        if (it.hasNext()) {
            it.next();
            it.remove();
        }
        expected.add(e);
    }

    /** The pieces that follow a large message the proxy answered itself are dropped. Lock held. */
    private void discardRest(byte type) {
        Streamed st = new Streamed(null, type);
        st.discard = true;
        streamed = st;
    }

    /** A piece of a large client message. */
    private void fromClientChunk(PgChunk chunk) {
        try {
            if (phase == Phase.LOGGING_IN) {
                early.add(chunk.retain());
                return;
            }
            if (phase != Phase.READY) return;
            synchronized (this) {
                if (!queued.isEmpty() || acquiring || server == null && streamed == null) {
                    queued.add(chunk.retain());
                    if (server == null && !acquiring && streamed == null) startAcquire(null);
                    return;
                }
                Streamed st = streamed;
                if (st == null || st.discard || st.to != server) { // the head was refused, or its server is gone
                    if (st != null && chunk.last()) streamed = null;
                    return;
                }
                pool().statistics().received(chunk.data().readableBytes());
                if (st.type == Frontend.QUERY) queryText(st, chunk.data());
                else st.to.write(chunk.data().retainedDuplicate());
                if (chunk.last()) streamed = null;
                serverBackPressure(st.to);
            }
        } finally {
            chunk.release();
        }
    }

    // ---- servers ----

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
                : first instanceof PgFrame f && f.type() == Frontend.BIND && !f.streamed() ? statementClasses.get(Bind.decode(f.body()).statement()) : null;
        if (cls == null) return pool;
        int backend;
        try {
            backend = proxy.queryHook().route(hookSession(), request, cls, replicas);
        } catch (RuntimeException e) {
            proxy.log().error(prefix() + "route hook failed: " + e.getMessage());
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
        boolean named = false;
        if (frame.type() == Parse.TYPE) {
            int nameEnd = body.indexOf(from, body.writerIndex(), (byte) 0);
            if (nameEnd < 0) throw new ProtocolException("Parse message without a statement name");
            named = nameEnd > from;
            from = nameEnd + 1;
        }
        int end = body.indexOf(from, body.writerIndex(), (byte) 0);
        if (end < 0) throw new ProtocolException((frame.type() == Parse.TYPE ? "Parse" : "Query") + " text is not NUL-terminated");
        byte[] text = new byte[end - from];
        body.getBytes(from, text);
        Classification c = proxy.classifier().classify(text, text.length, rawBackslashes());
        lastClassification = c;
        int keep = Math.min(text.length, QueryRequest.TEXT_LIMIT);
        return new QueryRequest(user, database, frame.type() == Parse.TYPE ? QueryRequest.Kind.PARSE : QueryRequest.Kind.QUERY,
                text, keep, text.length, c.mask() | sqlPrepared.effects(c), c.statements()).named(named);
    }

    /**
     * Whether the client's encoding may hide a backslash inside a multibyte character (the server converts the text
     * before reading it), so the classifier also reads backslashes as plain bytes.
     */
    private boolean rawBackslashes() {
        String encoding = tracked.getOrDefault("client_encoding", lastParameters.get("client_encoding"));
        if (encoding == null) return false;
        if (encoding != lastEncoding) {
            // decided once per encoding string the session has (it changes with SET client_encoding only)
            lastEncodingRaw = RAW_BACKSLASH_ENCODINGS.contains(encoding.toUpperCase(java.util.Locale.ROOT).replace("-", "").replace("_", ""));
            lastEncoding = encoding;
        }
        return lastEncodingRaw;
    }

    private String lastEncoding;
    private boolean lastEncodingRaw;

    private static final java.util.Set<String> RAW_BACKSLASH_ENCODINGS = java.util.Set.of("SJIS", "SHIFTJIS", "SHIFTJIS2004", "BIG5",
            "GBK", "GB18030", "UHC", "JOHAB", "WIN932", "WIN936", "WIN949", "WIN950", "CP932", "CP936", "CP949", "CP950");

    private static final Classification.Deallocate DROP_ALL = new Classification.Deallocate(null);
    private static final byte FUNCTION_CALL = Frontend.FUNCTION_CALL;

    /** A debug event (verbose): what the session did with its server, or, at 2, every message. */
    private void trace(String event) { proxy.log().debug(prefix() + event); }

    private void attach(ServerConnection s) {
        if (proxy.verbose() >= 1) trace("attached server " + s.key() + " with " + queued.size() + " queued");
        proxy.hold(s, this);
        synchronized (this) {
            server = s;
            // A server of another session may report different parameters: tell the client where they differ.
            Map<String, String> params = s.parameters();
            if (params != lastParameters && !params.equals(lastParameters)) {
                Map<String, String> told = withTracked(params);
                told.forEach((k, v) -> {
                    if (!v.equals(lastParameters.get(k))) answer(new ParameterStatus(k, v).encode(client.alloc()));
                });
                lastParameters = told;
            }
            applyTracked(s);
            replayQueued();
        }
        s.flush();
        flushClient();
        if (mayRead() && phase == Phase.READY) client.config().setAutoRead(true);
    }

    /** Whether the client may be read again: no server awaited, the budget not exhausted, no SUSPEND. Lock held. */
    private boolean mayRead() {
        return !acquiring && !decoder.waitingForBudget() && !proxy.suspended();
    }

    /** SUSPEND stops reading the client; RESUME reads it again unless something else still holds it back. */
    void suspendReading(boolean on) {
        if (client == null) return;
        client.eventLoop().execute(() -> {
            synchronized (this) {
                if (on) {
                    if (phase == Phase.READY) client.config().setAutoRead(false);
                }
                else if (mayRead() && phase == Phase.READY && (server == null || server.channel().isWritable())) client.config().setAutoRead(true);
            }
        });
    }

    /** Sets on the server the tracked parameters whose values differ from the client's; their replies are dropped. Lock held. */
    private void applyTracked(ServerConnection s) {
        if (tracked.isEmpty()) return;
        Map<String, String> params = s.parameters();
        StringBuilder sql = null;
        for (var e : tracked.entrySet()) {
            String name = canonical(params, e.getKey());
            String now = params.get(name);
            if (e.getValue().equals(now)) continue;
            if (sql == null) sql = new StringBuilder();
            sql.append(StartupParameters.setStatement(name, e.getValue())).append(';');
        }
        if (sql == null) return;
        s.write(new Query(sql.toString()).encode(s.channel().alloc()));
        expected.add(Expected.of(Expected.Kind.INJECTED_QUERY));
    }

    /** Sends what waited for a server, in order. Lock held. */
    private void replayQueued() {
        Object m;
        while ((m = queued.poll()) != null) {
            try {
                if (phase == Phase.CLOSED) continue;
                if (m instanceof PgFrame f) toServer(f);
                else if (m instanceof PgChunk c) {
                    Streamed st = streamed;
                    if (st == null || st.discard || st.to != server) continue;
                    pool().statistics().received(c.data().readableBytes());
                    if (st.type == Frontend.QUERY) queryText(st, c.data());
                    else st.to.write(c.data().retainedDuplicate());
                    if (c.last()) streamed = null;
                }
            } catch (ProtocolException e) {
                fatal("08P01", "protocol violation: " + e.getMessage());
            } finally {
                ReferenceCountUtil.release(m);
            }
        }
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
        if (proxy.verbose() >= 2) trace("server " + s.key() + " -> '" + (char) type + "' expecting " + expected);
        boolean mayRelease = false;
        try {
            synchronized (this) {
                if (server != s) return;
                s.pool().statistics().sent(frame.length());
                if (type == Backend.NOTICE_RESPONSE || type == Backend.NOTIFICATION_RESPONSE) { // unsolicited
                    toClient(frame.frame().retainedDuplicate());
                    return;
                }
                if (type == Backend.PARAMETER_STATUS) { // a parameter the client changed (or the proxy set): the client's tracked value too
                    ParameterStatus ps = ParameterStatus.decode(frame.body());
                    if (isTracked(ps.name())) tracked.put(ps.name(), ps.value());
                    Expected head = expected.peek();
                    if (head == null || head.kind() != Expected.Kind.INJECTED_QUERY) {
                        toClient(frame.frame().retainedDuplicate());
                        Map<String, String> told = new LinkedHashMap<>(lastParameters);
                        told.put(ps.name(), ps.value());
                        lastParameters = told;
                    }
                    return;
                }
                deliverSynthetic();
                Expected head = expected.peek();
                if (head == null) { // nothing asked (e.g. the server shutting down): pass it on
                    toClient(frame.frame().retainedDuplicate());
                    return;
                }
                if (head.kind() == Expected.Kind.INJECTED_QUERY || head.kind() == Expected.Kind.INJECTED_CLOSE) {
                    if (type == ErrorResponse.TYPE)
                        proxy.log().warning(prefix() + "setting the client's parameters on its server failed: " + ErrorResponse.decode(frame.body()).message());
                } else if (type == ErrorResponse.TYPE && head.kind() == Expected.Kind.SUBSTITUTE) {
                    toClient(head.synthetic().retainedDuplicate()); // the refusal instead of the server's complaint
                } else if (type == ErrorResponse.TYPE && head.kind() != Expected.Kind.SIMPLE && head.kind() != Expected.Kind.SUBSTITUTE) {
                    toClient(frame.frame().retainedDuplicate());
                    serverSkipsToSync(s);
                    return;
                } else if (head.kind() != Expected.Kind.INJECTED_PARSE) {
                    toClient(frame.streamed() ? frame.frame().retainedSlice() : frame.frame().retainedDuplicate());
                    if (type == Backend.COMMAND_COMPLETE) {
                        try {
                            long now = System.nanoTime(), started = statementStartNanos;
                            statementStartNanos = now; // the next statement of the same query starts here
                            proxy.queryHook().onResult(hookSession(), Messages.readCString(frame.body().duplicate()), started == 0 ? 0 : now - started);
                        } catch (RuntimeException e) { // a failing result program must not cost the client its reply
                            proxy.log().error(prefix() + "result hook failed: " + e.getMessage());
                        }
                    }
                }
                if (head.endsWith(type)) {
                    if (type == Backend.PARSE_COMPLETE && head.serverStatement() != null) s.pool().parsedOk(head.serverStatement());
                    if (type == ReadyForQuery.TYPE && head.kind() != Expected.Kind.INJECTED_QUERY) requestAnswered(s);
                    Expected done = expected.poll();
                    if (done.synthetic() != null) done.synthetic().release();
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
        if (mayRelease && mode != PoolMode.SESSION) {
            EventLoop loop = client.eventLoop();
            if (loop.inEventLoop()) releaseIfIdle(s);
            else loop.execute(() -> releaseIfIdle(s));
        } else if (mayRelease && s.transactionStatus() == 'I' && s.closeNeeded() && proxy.config().get(Settings.SERVER_FAST_CLOSE)) {
            // server_fast_close: a server RECONNECT or RELOAD marked closes at the end of the transaction, and the
            // session with it, so that the client notices
            client.eventLoop().execute(() -> {
                dropServer("server_fast_close");
                fatal("57P01", "server connection closed (server_fast_close): reconnect");
            });
        }
    }

    /** A request was answered (ReadyForQuery): the pool's query and transaction times. Lock held. */
    private void requestAnswered(ServerConnection s) {
        statementStartNanos = 0;
        long now = System.nanoTime();
        boolean idle = s.transactionStatus() == 'I';
        long started = requestStartNanos == 0 ? now : requestStartNanos;
        long xact = transactionStartNanos == 0 ? 0 : now - transactionStartNanos;
        s.pool().statistics().answered((now - started) / 1000, idle, xact / 1000);
        requestStartNanos = expected.size() > 1 ? now : 0;
        if (idle) transactionStartNanos = 0;
        lastRequestNanos = now;
        if (mode == PoolMode.STATEMENT && !idle) {
            // statement pooling: the server goes back after each query, so a transaction cannot span statements
            client.eventLoop().execute(() -> fatal("0A000", "transaction blocks not allowed in statement pooling mode"));
        }
    }

    @Override
    public void fromServer(ServerConnection s, PgChunk chunk) {
        try {
            synchronized (this) {
                if (server != s) return;
                s.pool().statistics().sent(chunk.data().readableBytes());
                toClient(chunk.data().retainedDuplicate());
            }
            if (client.isActive() && !client.isWritable()) s.channel().config().setAutoRead(false);
        } finally {
            chunk.release();
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
            if (server != s || !expected.isEmpty() || inExtended || !queued.isEmpty() || streamed != null || s.transactionStatus() != 'I') return;
            server = null;
        }
        if (proxy.verbose() >= 1) trace("released server " + s.key());
        if (proxy.config().get(Settings.SERVER_RESET_QUERY_ALWAYS)) proxy.resetAndRelease(s, proxy.config().get(Settings.SERVER_RESET_QUERY));
        else proxy.release(s);
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
        Phase was = phase;
        phase = Phase.CLOSED;
        Object m;
        while ((m = queued.poll()) != null) ReferenceCountUtil.release(m);
        while ((m = early.poll()) != null) ReferenceCountUtil.release(m);
        ServerConnection s;
        boolean inFlight;
        synchronized (this) {
            s = server;
            server = null;
            inFlight = !expected.isEmpty() || inExtended || streamed != null;
            streamed = null;
            clearExpected();
            dropMirrorBatch();
        }
        if (s != null) {
            ProxyConfig config = proxy.config();
            if (inFlight) {
                // A query is still running or a batch is half sent: the server's state is unknown, so it goes.
                proxy.discard(s, "client left with a query in flight");
            } else if (s.transactionStatus() != 'I') {
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
     * Called four times a second: client_login_timeout, client_idle_timeout (a client without a server),
     * query_timeout (a request unanswered too long: its query is cancelled and both ends closed) and
     * idle_transaction_timeout (a transaction left open with nothing running).
     */
    void checkTimeouts(long now) {
        ProxyConfig config = proxy.config();
        if (phase == Phase.CLOSED || client == null) return;
        if (phase != Phase.READY) {
            long login = config.get(Settings.CLIENT_LOGIN_TIMEOUT).toNanos();
            if (login > 0 && now - openedNanos > login) {
                client.eventLoop().execute(() -> {
                    if (phase == Phase.READY || phase == Phase.CLOSED) return;
                    proxy.loginTimedOut();
                    refuseLogin("57014", "canceling authentication due to timeout (client_login_timeout = " + config.text(Settings.CLIENT_LOGIN_TIMEOUT) + " s)");
                });
            }
            return;
        }
        if (admin) return;
        UserConfig u = config.user(user);
        long idle = timeout(u == null ? null : u.clientIdleTimeout(), config.get(Settings.CLIENT_IDLE_TIMEOUT));
        long query = timeout(u == null ? null : u.queryTimeout(), config.get(Settings.QUERY_TIMEOUT));
        long idleTx = timeout(u == null ? null : u.idleTransactionTimeout(), config.get(Settings.IDLE_TRANSACTION_TIMEOUT));
        ServerConnection s;
        boolean outstanding;
        long requestStart = requestStartNanos;
        synchronized (this) {
            s = server;
            outstanding = !expected.isEmpty();
        }
        if (idle > 0 && s == null && !acquiring && now - lastRequestNanos > idle) {
            client.eventLoop().execute(() -> fatal("57P05", "terminating connection due to idle timeout (client_idle_timeout)"));
        } else if (query > 0 && s != null && outstanding && requestStart != 0 && now - requestStart > query) {
            if (s.key() != null && s.remoteAddress() != null) proxy.sendCancel(s.remoteAddress(), s.key().processId(), s.key().secretKey());
            client.eventLoop().execute(() -> {
                dropServer("query timeout");
                fatal("57014", "canceling statement due to query timeout (query_timeout)");
            });
        } else if (idleTx > 0 && s != null && !outstanding && s.transactionStatus() != 'I' && now - lastRequestNanos > idleTx) {
            client.eventLoop().execute(() -> {
                dropServer("idle transaction timeout");
                fatal("25P03", "terminating connection due to idle-in-transaction timeout (idle_transaction_timeout)");
            });
        }
    }

    private static long timeout(java.time.Duration user, java.time.Duration general) {
        return user != null && !user.isZero() ? user.toNanos() : general.toNanos();
    }

    /** Closes the client's server instead of returning it (its state cannot be trusted). */
    private void dropServer(String reason) {
        ServerConnection s;
        synchronized (this) {
            s = server;
            server = null;
            clearExpected();
        }
        if (s != null) proxy.discard(s, reason);
    }

    /** A connection that has not logged in is refused (max_login_clients eviction, client_login_timeout). */
    void refuseLogin(String sqlState, String message) {
        if (client == null) return;
        client.eventLoop().execute(() -> {
            if (phase == Phase.READY) return;
            fatal(sqlState, message);
        });
    }

    /** KILL: the client goes at once, its server with it. */
    void kill(String reason) {
        if (client == null) return;
        client.eventLoop().execute(() -> {
            dropServer(reason);
            fatal("57P01", "terminating connection due to administrator command: " + reason);
        });
    }

    private void fatal(String sqlState, String message) {
        if (phase == Phase.CLOSED && !client.isActive()) return;
        if (closeReason == null) closeReason = message;
        if (client.isActive()) {
            client.writeAndFlush(ErrorResponse.of("FATAL", sqlState, message).encode(client.alloc()))
                    .addListener(io.netty.channel.ChannelFutureListener.CLOSE);
            ProxyConfig config = proxy.config();
            if (config.get(Settings.LOG_POOLER_ERRORS)) proxy.log().warning(prefix() + "pooler error: " + message);
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

    private static String rootMessage(Throwable e) {
        while (e.getCause() != null && e instanceof java.util.concurrent.CompletionException) e = e.getCause();
        if (e instanceof java.util.concurrent.TimeoutException) return "no server connection available within query_wait_timeout";
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }
}
