package dev.bypass.cli;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import picocli.CommandLine.Option;

/**
 * Options of the commands that talk to a running proxy through its admin console (the virtual database pgbouncer):
 * SHOW PROGRAMS, SHOW MAPS, SHOW MAP and SET MAP, as psql would send them.
 */
final class ProxyConsoleOptions {
    @Option(names = "--proxy", paramLabel = "HOST:PORT", description = "a running proxy: its programs and maps through the admin console")
    String proxy;

    @Option(names = "--proxy-user", paramLabel = "USER", defaultValue = "${env:PGUSER:-postgres}",
            description = "console user (admin_users for changes; default: $PGUSER or postgres); the password is $PGPASSWORD")
    String user;

    /** Runs one console command and prints its rows as an aligned table (nothing for a command without rows). */
    int run(PrintWriter out, String command) {
        int colon = proxy.lastIndexOf(':');
        if (colon <= 0) throw new CliException("--proxy: expected HOST:PORT, got " + proxy, 2);
        Properties props = new Properties();
        props.setProperty("user", user);
        String password = System.getenv("PGPASSWORD");
        if (password != null) props.setProperty("password", password);
        props.setProperty("preferQueryMode", "simple");
        props.setProperty("connectTimeout", "10");
        String url = "jdbc:postgresql://" + proxy.substring(0, colon) + ":" + proxy.substring(colon + 1) + "/pgbouncer";
        try (Connection c = DriverManager.getConnection(url, props); Statement s = c.createStatement()) {
            if (!s.execute(command)) {
                out.println(command.split("\\s+")[0].toUpperCase(java.util.Locale.ROOT) + " " + command.split("\\s+")[1].toUpperCase(java.util.Locale.ROOT) + ": done");
                return 0;
            }
            try (ResultSet rs = s.getResultSet()) {
                int n = rs.getMetaData().getColumnCount();
                List<String[]> rows = new ArrayList<>();
                String[] header = new String[n];
                for (int i = 0; i < n; i++) header[i] = rs.getMetaData().getColumnLabel(i + 1);
                rows.add(header);
                while (rs.next()) {
                    String[] r = new String[n];
                    for (int i = 0; i < n; i++) r[i] = rs.getString(i + 1) == null ? "" : rs.getString(i + 1);
                    rows.add(r);
                }
                int[] width = new int[n];
                for (String[] r : rows) for (int i = 0; i < n; i++) width[i] = Math.max(width[i], r[i].length());
                for (String[] r : rows) {
                    StringBuilder b = new StringBuilder();
                    for (int i = 0; i < n; i++) b.append(i == 0 ? "" : "  ").append(i == n - 1 ? r[i] : String.format("%-" + width[i] + "s", r[i]));
                    out.println(b);
                }
            }
            return 0;
        } catch (SQLException e) {
            throw new CliException("proxy " + proxy + ": " + e.getMessage(), 1);
        }
    }
}
