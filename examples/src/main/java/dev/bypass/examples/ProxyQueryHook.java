package dev.bypass.examples;

import dev.bypass.programs.Verifiers;
import dev.bypass.proxy.hooks.ProgramHooks;
import dev.bypass.proxy.hooks.ProxyAbi;
import dev.bypass.proxy.config.ProxyConfig;
import dev.bypass.proxy.config.ProxyConfigFile;
import dev.bypass.proxy.server.ProxyServer;
import dev.bypass.proxy.sql.StatementClass;
import dev.bypass.vm.maps.BpfMap;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Loads a program into the proxy's query hook from a configuration file.
 *
 * <p>{@code proxy.ini} is a PgBouncer configuration with a {@code [programs]} section naming {@code delete_guard.o}
 * for the query hook. {@link ProgramHooks} loads and verifies the programs the section names when the proxy starts
 * (and again on RELOAD, swapping them atomically); the proxy then runs {@code delete_guard} for every statement a
 * client sends, before it reaches PostgreSQL, with the statement's class from the proxy's SQL lexer. The program
 * refuses statements that delete rows: the client gets a PostgreSQL error (SQLSTATE 42501) naming the program, and
 * its session goes on. Its maps count what it saw and refused; the host reads them here, operators through the
 * admin console ({@code SHOW MAP refused}).
 *
 * <p>Usage: {@code ProxyQueryHook CONFIG} with a PostgreSQL where the configuration's {@code [databases]} entry
 * points (user {@code postgres}, database {@code postgres}). Runs a few statements through the proxy, prints what
 * happened and what the program counted, and stops.
 */
public final class ProxyQueryHook {
    private ProxyQueryHook() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: ProxyQueryHook CONFIG   (a PgBouncer configuration file with a [programs] section)");
            System.exit(2);
        }
        Path configFile = Path.of(args[0]);
        ProxyConfig config = ProxyConfigFile.read(configFile); // names the file, line and key of any error
        try (ProgramHooks hooks = new ProgramHooks(Verifiers.standard());
             ProxyServer proxy = new ProxyServer(config, hooks, new SimpleMeterRegistry()).configFile(configFile.toAbsolutePath()).start()) {
            System.out.println("proxy listening on 127.0.0.1:" + proxy.port() + ", query hook: " + hooks.attached(ProxyAbi.Hook.QUERY).program());
            String url = "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres?user=postgres";
            try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS example_orders (id int PRIMARY KEY, item text)");
                s.execute("INSERT INTO example_orders VALUES (1, 'tea'), (2, 'coffee') ON CONFLICT DO NOTHING");
                try {
                    s.execute("DELETE FROM example_orders WHERE id = 1");
                    System.out.println("DELETE ran");
                } catch (SQLException refused) {
                    System.out.println("DELETE refused: " + refused.getSQLState() + " " + refused.getMessage());
                }
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM example_orders")) {
                    rs.next();
                    System.out.println("rows still there: " + rs.getLong(1));
                }
                s.execute("DROP TABLE example_orders");
            }
            BpfMap statements = hooks.bpfMap("statements");
            for (StatementClass cls : StatementClass.values()) {
                long n = u64(statements.lookup(u32(cls.id)));
                if (n > 0) System.out.println("program saw " + cls.label() + ": " + n);
            }
            System.out.println("program refused: " + u64(hooks.bpfMap("refused").lookup(u32(0))));
        }
    }

    static byte[] u32(int v) { return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array(); }

    static long u64(byte[] b) { return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(); }
}
