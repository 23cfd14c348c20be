package dev.bypass.proxy.server;

import dev.bypass.proxy.config.HbaRules;
import dev.bypass.proxy.config.ProxyConfig;
import dev.bypass.proxy.config.Secret;
import dev.bypass.proxy.config.Settings;
import dev.bypass.proxy.config.Settings.PoolMode;
import dev.bypass.proxy.config.UserConfig;
import dev.bypass.proxy.hooks.QueryHook;
import dev.bypass.proxy.pool.Pool;
import dev.bypass.proxy.wire.Authentication;
import dev.bypass.proxy.wire.BackendKeyData;
import dev.bypass.proxy.wire.CancelRequest;
import dev.bypass.proxy.wire.Messages;
import dev.bypass.proxy.wire.MessageType.Backend;
import dev.bypass.proxy.wire.PgFrame;
import dev.bypass.proxy.wire.ProtocolException;
import dev.bypass.proxy.wire.ReadyForQuery;
import dev.bypass.proxy.wire.StartupCodes;
import dev.bypass.proxy.wire.StartupMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;

/**
 * The start of a client connection up to its first ReadyForQuery: SSLRequest and GSSENCRequest are answered
 * ({@link StartupCodes#SSL_ACCEPTED} when client TLS is configured, else {@link StartupCodes#SSL_REFUSED}),
 * CancelRequest is relayed to the server running the client's query, StartupMessage is checked
 * ({@link StartupParameters}), the limits and the connect hook applied, the client authenticated (auth_type,
 * auth_hba_file, auth_file or auth_query: trust, password, MD5, SCRAM-SHA-256, cert, peer; {@link Authenticator}),
 * the authenticated hook asked, and the client told its server parameters. Runs on the session's event loop; what
 * completes elsewhere (auth_query, a server login) comes back to it before it touches the session.
 */
final class LoginStage {
    private final ClientSession session;
    private final ProxyServer proxy;
    /** The password exchange under way (null before one starts and after it ends). */
    private Authenticator authenticator;

    LoginStage(ClientSession session, ProxyServer proxy) {
        this.session = session;
        this.proxy = proxy;
    }

    /** A frame of the start-up phase: a start-up packet, or SSL/GSSENC/cancel requests in front of one. */
    void startup(PgFrame frame) {
        Channel client = session.channel();
        ByteBuf body = frame.body();
        if (body.readableBytes() < 4) throw new ProtocolException("start-up packet without a code");
        int code = body.getInt(body.readerIndex());
        switch (code) {
            case StartupCodes.SSL_REQUEST -> {
                io.netty.handler.ssl.SslContext tlsContext = proxy.clientTlsContext();
                if (tlsContext == null || session.tls) {
                    client.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {StartupCodes.SSL_REFUSED}));
                    return;
                }
                if (session.decoder.pendingBytes() > 0) { // bytes sent before the handshake would bypass TLS
                    session.fatal("08P01", "received unencrypted data after SSL request");
                    return;
                }
                // The answer goes out in plain text, then the handshake: the TLS handler sits in front of the frame decoder.
                client.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {StartupCodes.SSL_ACCEPTED}));
                client.pipeline().addFirst("tls", TlsContexts.handler(tlsContext, proxy.config(), client.alloc()));
                session.tls = true;
            }
            case StartupCodes.GSSENC_REQUEST -> client.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {StartupCodes.SSL_REFUSED}));
            case StartupCodes.CANCEL_REQUEST -> {
                proxy.cancel(CancelRequest.decode(body));
                client.close();
            }
            default -> login(StartupMessage.decode(body));
        }
    }

    private void login(StartupMessage sm) {
        ProxyConfig config = proxy.config();
        Channel client = session.channel();
        if (sm.protocol() >> 16 != 3) {
            session.fatal("0A000", "unsupported frontend protocol " + (sm.protocol() >> 16) + "." + (sm.protocol() & 0xffff));
            return;
        }
        StartupParameters params;
        try {
            params = StartupParameters.read(sm.parameters(), config);
        } catch (StartupParameters.Refused e) {
            session.user = sm.user();
            session.database = sm.database();
            session.fatal("08P01", e.getMessage());
            return;
        }
        session.user = params.user();
        session.database = params.database();
        session.parameters.requested(params.tracked());
        if (session.user.isEmpty()) {
            session.fatal("28000", "no PostgreSQL user name specified in startup packet");
            return;
        }
        if (!params.protocolExtensions().isEmpty()) client.write(negotiateProtocol(client, params.protocolExtensions()));
        if (!session.tls && config.clientTls() != null && config.clientTls().required()) {
            session.fatal("28000", "TLS is required: connect with sslmode=require");
            return;
        }
        session.admin = proxy.isAdminDatabase(session.database);
        if (!session.admin) {
            session.db = config.database(session.database);
            if (session.db == null) {
                session.fatal("3D000", "no such database: " + session.database);
                return;
            }
            if (proxy.databaseDisabled(session.database)) {
                session.fatal("55000", "database \"" + session.database + "\" does not allow connections (DISABLE)");
                return;
            }
            if (proxy.shuttingDown()) {
                session.fatal("57P01", "the proxy is shutting down");
                return;
            }
            if (config.authType() == Settings.AuthType.ANY) session.user = session.db.forcedUser();
        }
        QueryHook.Verdict admitted = session.hooks.onConnect();
        if (!admitted.allowed()) {
            session.fatal(admitted.sqlState(), admitted.message());
            return;
        }
        if (!session.admin && !clientLimitsAllow(config)) return;
        if (config.get(Settings.LOG_CONNECTIONS))
            proxy.log().info(session.prefix() + "login attempt: db=" + session.database + " user=" + session.user + " tls=" + (session.tls ? "yes" : "no"));
        session.decoder.switchToRegular();
        session.phase = ClientSession.Phase.AUTH;
        chooseMethod(config);
    }

    /** max_client_conn (early refusal; counted at login), max_db_client_connections, max_user_client_connections. */
    private boolean clientLimitsAllow(ProxyConfig config) {
        String user = session.user, database = session.database;
        if (proxy.clientCount() >= config.maxClients()) {
            session.fatal("53300", "sorry, too many clients already");
            return false;
        }
        var db = session.db;
        int dbMax = db.maxDbClientConnections() != null ? db.maxDbClientConnections() : config.get(Settings.MAX_DB_CLIENT_CONNECTIONS);
        if (dbMax > 0 && proxy.clientsOf(database) >= dbMax) {
            session.fatal("53300", "too many client connections for database \"" + database + "\" (max_db_client_connections = " + dbMax + ")");
            return false;
        }
        UserConfig u = config.user(user);
        int userMax = u != null && u.maxUserClientConnections() != null ? u.maxUserClientConnections() : config.get(Settings.MAX_USER_CLIENT_CONNECTIONS);
        if (userMax > 0 && proxy.clientsOfUser(user) >= userMax) {
            session.fatal("53300", "too many client connections for user \"" + user + "\" (max_user_client_connections = " + userMax + ")");
            return false;
        }
        return true;
    }

    /** auth_type, or the auth_hba_file rule that matches: how this client proves who it is. */
    private void chooseMethod(ProxyConfig config) {
        Channel client = session.channel();
        String user = session.user, database = session.database;
        boolean tls = session.tls;
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
            HbaRules.Rule rule = config.hba().match(unix, address, tls, session.admin ? ProxyServer.PGBOUNCER_DATABASE : database, user);
            if (rule == null) {
                session.fatal("28000", "no pg_hba.conf entry for host \"" + (address == null ? "[local]" : address.getHostAddress()) + "\", user \"" + user
                        + "\", database \"" + database + "\", " + (tls ? "SSL encryption" : "no encryption") + " (auth_hba_file)");
                return;
            }
            method = rule.method();
            map = rule.map();
        }
        switch (method) {
            case REJECT -> session.fatal("28000", "pg_hba.conf rejects connection for user \"" + user + "\", database \"" + database + "\" (auth_hba_file)");
            case TRUST -> withSecret(config, s -> {
                if (s == null && config.hasUserList()) session.fatal("28000", "\"trust\" authentication failed for user \"" + user + "\" (not in auth_file)");
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
        Secret s = config.secret(session.user);
        boolean canQuery = !session.admin && (session.db.authUser() != null || config.get(Settings.AUTH_USER) != null);
        if (s != null || !canQuery) {
            then.accept(s);
            return;
        }
        proxy.authQuery(session.db, session.user).whenComplete((secret, e) -> session.onLoop(() -> {
            if (session.phase == ClientSession.Phase.CLOSED) return;
            if (e != null) {
                Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
                proxy.log().error(session.prefix() + "auth_query failed: " + cause.getMessage());
                session.fatal("08006", "could not look the user up (auth_query): " + cause.getMessage());
                return;
            }
            then.accept(secret);
        }));
    }

    private void exchange(Authenticator a) {
        authenticator = a;
        Channel client = session.channel();
        client.writeAndFlush(a.request(client.alloc()));
    }

    /** A frame of the password exchange. */
    void authenticate(PgFrame frame) {
        if (authenticator == null) throw new ProtocolException("unexpected message '" + (char) frame.type() + "' during authentication");
        Channel client = session.channel();
        switch (authenticator.step(frame, client.alloc(), client::write)) {
            case Authenticator.Failed f -> session.fatal(f.sqlState(), f.message());
            case Authenticator.Ok ok -> {
                authenticator = null;
                if (ok.clientKey() != null) proxy.rememberClientKey(session.user, ok.clientKey());
                loggedIn(ok.method());
            }
            default -> client.flush();
        }
    }

    /** A client certificate whose common name is the user (or maps to it): auth_type = cert, or an hba cert rule. */
    private void certificate(ProxyConfig config, String map) {
        String cn = null;
        if (session.channel().pipeline().get("tls") instanceof io.netty.handler.ssl.SslHandler h) {
            try {
                var certs = h.engine().getSession().getPeerCertificates();
                if (certs.length > 0 && certs[0] instanceof java.security.cert.X509Certificate x) cn = commonName(x);
            } catch (javax.net.ssl.SSLPeerUnverifiedException none) {
                cn = null;
            }
        }
        String user = session.user;
        boolean ok = cn != null && (map != null && config.identMap() != null ? config.identMap().allows(map, cn, user) : cn.equals(user));
        if (!ok) session.fatal("28000", "certificate authentication failed for user \"" + user + "\"" + (cn == null ? " (no client certificate)" : ""));
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
        var credentials = Transport.peerCredentials(session.channel());
        if (credentials != null) {
            try {
                systemUser = SystemUsers.name(credentials.uid());
            } catch (java.io.IOException e) {
                systemUser = null;
            }
        }
        String user = session.user;
        boolean ok = systemUser != null && (map != null && config.identMap() != null ? config.identMap().allows(map, systemUser, user) : systemUser.equals(user));
        if (!ok) session.fatal("28000", "Peer authentication failed for user \"" + user + "\"");
        else loggedIn(ProxyConfig.ClientAuth.PEER);
    }

    private void loggedIn(ProxyConfig.ClientAuth method) {
        ProxyConfig config = proxy.config();
        Channel client = session.channel();
        if (session.admin) {
            AdminConsole.Access access = AdminConsole.access(config, session.user);
            if (access == AdminConsole.Access.NONE) {
                session.fatal("28000", "not allowed: \"" + session.user + "\" is not in admin_users or stats_users");
                return;
            }
            session.adminPrivileged = access == AdminConsole.Access.ADMIN;
            if (!proxy.loggedIn(session, true)) return;
            session.phase = ClientSession.Phase.LOGGING_IN;
            client.write(Authentication.ok().encode(client.alloc()));
            finishLogin(AdminConsole.PARAMETERS);
            return;
        }
        QueryHook.Verdict auth = session.hooks.onAuthenticated(method);
        if (!auth.allowed()) {
            session.fatal(auth.sqlState(), auth.message());
            return;
        }
        if (!proxy.loggedIn(session, false)) {
            session.fatal("53300", "sorry, too many clients already");
            return;
        }
        session.phase = ClientSession.Phase.LOGGING_IN;
        String poolUser = session.db.forcedUser() != null ? session.db.forcedUser() : session.user;
        session.mode = config.poolMode(session.db, poolUser);
        Pool pool = proxy.pool(session.database, session.user);
        session.pool = pool;
        ClientParameters parameters = session.parameters;
        if (config.get(Settings.APPLICATION_NAME_ADD_HOST))
            parameters.set("application_name", parameters.get("application_name", "app") + " - " + session.addressText());
        session.applicationName = parameters.get("application_name", "");
        Map<String, String> known = pool.knownParameters();
        if (known != null && session.mode != PoolMode.SESSION) {
            // A server of this pool logged in before: its parameters, with the client's own, are what the client is
            // told, without taking a server for it.
            client.write(Authentication.ok().encode(client.alloc()));
            finishLogin(parameters.withTracked(known));
            return;
        }
        // Log in to a server first so that the client sees the real server parameters and a failing database is
        // reported at connect time, as PostgreSQL itself would.
        long waitingSince = System.nanoTime();
        pool.acquire().whenComplete((s, e) -> session.onLoop(() -> {
            if (e != null) {
                session.fatal("08006", ClientSession.rootMessage(e));
                return;
            }
            if (session.phase == ClientSession.Phase.CLOSED || !client.isActive()) {
                pool.release(s);
                return;
            }
            client.write(Authentication.ok().encode(client.alloc()));
            Map<String, String> serverParams = s.parameters();
            pool.assigned(System.nanoTime() - waitingSince);
            if (session.mode == PoolMode.SESSION) {
                finishLogin(parameters.withTracked(serverParams));
                session.attach(s);
            } else {
                pool.release(s);
                finishLogin(parameters.withTracked(serverParams));
            }
        }));
    }

    private void finishLogin(Map<String, String> params) {
        Channel client = session.channel();
        session.parameters.toldAtLogin(params, !session.admin, client::write, client.alloc());
        client.write(new BackendKeyData(session.processId, session.secretKey).encode(client.alloc()));
        client.writeAndFlush(new ReadyForQuery(ReadyForQuery.IDLE).encode(client.alloc()));
        session.phase = ClientSession.Phase.READY;
        if (proxy.config().get(Settings.LOG_CONNECTIONS))
            proxy.log().info(session.prefix() + "login: db=" + session.database + " user=" + session.user
                    + (session.admin ? " (console, " + (session.adminPrivileged ? "admin" : "stats") + ")" : ""));
        session.loginComplete();
    }

    private static ByteBuf negotiateProtocol(Channel client, List<String> unsupported) {
        ByteBuf b = Messages.begin(client.alloc(), (char) Backend.NEGOTIATE_PROTOCOL_VERSION);
        b.writeInt(StartupMessage.PROTOCOL_3_0 & 0xffff); // the newest minor version supported: 3.0
        b.writeInt(unsupported.size());
        for (String u : unsupported) Messages.writeCString(b, u);
        return Messages.finish(b);
    }
}
