package dev.bypass.cli.demo;

import dev.bypass.vm.verification.ProgramVerifier;
import dev.bypass.observability.metrics.ScrapeEndpoint;
import dev.bypass.proxy.config.Settings;
import dev.bypass.proxy.hooks.ProgramQueryHook;
import dev.bypass.postgres.EmbeddedPostgres;
import dev.bypass.proxy.config.ProxyConfig;
import dev.bypass.proxy.server.ProxyServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The main job: an embedded PostgreSQL, the proxy in front of it in transaction pooling mode, and the bundled
 * {@code query_guard} program attached at the query hook (counting queries by statement class and shape, and
 * denying writes and DDL to the role {@code analyst}). The first line printed is the proxy's URL, once it accepts
 * connections.
 */
public final class ProxyDemo implements AutoCloseable {
    public static final String DATABASE = "demo";

    private final EmbeddedPostgres pg;
    private final ProgramQueryHook hook;
    private final ScrapeEndpoint metrics;
    private final ProxyServer proxy;

    private ProxyDemo(EmbeddedPostgres pg, ProgramQueryHook hook, ScrapeEndpoint metrics, ProxyServer proxy) {
        this.pg = pg;
        this.hook = hook;
        this.metrics = metrics;
        this.proxy = proxy;
    }

    /**
     * Starts PostgreSQL, the program and the proxy on {@code proxyPort}, with its meters in {@code metrics}, which the
     * demo owns from now on (the caller binds it first, so that a port in use is found before PostgreSQL starts).
     */
    public static ProxyDemo start(int proxyPort, ScrapeEndpoint metrics, ProgramVerifier verifier) throws Exception {
        EmbeddedPostgres pg;
        try {
            pg = EmbeddedPostgres.start();
        } catch (Exception e) {
            metrics.close();
            throw e;
        }
        ProgramQueryHook hook = null;
        try {
            setUp(pg);
            hook = new ProgramQueryHook(verifier);
            hook.readOnly("analyst");
            // app may use the admin console (admin_users), as the guide below says; room for pgbench -c 200
            ProxyConfig config = ProxyConfig.defaults(proxyPort, "127.0.0.1", pg.port())
                    .with(Settings.ADMIN_USERS, java.util.List.of("app")).with(Settings.MAX_CLIENT_CONN, 1000);
            ProxyServer proxy = new ProxyServer(config, hook, metrics.registry()).start();
            hook.bindTo(metrics.registry());
            return new ProxyDemo(pg, hook, metrics, proxy);
        } catch (Exception e) {
            if (hook != null) hook.close();
            metrics.close();
            pg.close();
            throw e;
        }
    }

    private static void setUp(EmbeddedPostgres pg) throws SQLException {
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres")); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + DATABASE);
            s.execute("CREATE ROLE app LOGIN");
            s.execute("CREATE ROLE analyst LOGIN");
        }
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(DATABASE)); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE accounts (id int PRIMARY KEY, owner text NOT NULL, balance bigint NOT NULL)");
            s.execute("INSERT INTO accounts SELECT g, 'owner' || g, 1000 FROM generate_series(1, 1000) g");
            s.execute("GRANT ALL ON accounts TO app");
            // So that app can also run pgbench -i (and other tools creating tables) through the proxy.
            s.execute("GRANT CREATE ON SCHEMA public TO app");
            s.execute("GRANT SELECT ON accounts TO analyst");
        }
    }

    public String url() { return "postgres://app@127.0.0.1:" + proxy.port() + "/" + DATABASE; }

    public int proxyPort() { return proxy.port(); }

    public EmbeddedPostgres postgres() { return pg; }

    public ProgramQueryHook hook() { return hook; }

    public void printGuide(java.io.PrintWriter out) {
        out.println("PostgreSQL " + "127.0.0.1:" + pg.port() + " (embedded), proxy 127.0.0.1:" + proxy.port()
                + " in transaction pooling mode, program " + hook.program().name() + " at the query hook ("
                + hook.program().verifiedBy() + ")");
        out.println("connect:  psql " + url());
        out.println("          psql postgres://analyst@127.0.0.1:" + proxy.port() + "/" + DATABASE
                + "   (read-only: query_guard denies writes and DDL to analyst)");
        out.println("admin:    psql postgres://app@127.0.0.1:" + proxy.port() + "/" + ProxyServer.ADMIN_DATABASE
                + "  then SHOW POOLS; SHOW CLIENTS; SHOW SERVERS; SHOW STATS;");
        out.println("metrics:  http://127.0.0.1:" + metrics.port() + "/metrics  (Prometheus text format)");
        out.flush();
    }

    @Override
    public void close() {
        proxy.close();
        metrics.close();
        hook.close();
        pg.close();
    }
}
