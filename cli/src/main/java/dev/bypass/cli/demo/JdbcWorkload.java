package dev.bypass.cli.demo;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A pgbench-like JDBC application that knows nothing about Bypass: TPC-B style transactions (update an account,
 * read its balance, update teller and branch, insert history) plus an occasional report query, from several
 * threads. What the telemetry demo observes, and what the agent-overhead benchmark runs with and without the agent.
 */
public final class JdbcWorkload {
    private JdbcWorkload() {}

    public static final int ACCOUNTS_PER_BRANCH = 10_000;

    public static void createSchema(String url, int branches) throws SQLException {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS history, tellers, accounts, branches");
            s.execute("CREATE TABLE branches (bid int PRIMARY KEY, bbalance int, filler char(88))");
            s.execute("CREATE TABLE tellers (tid int PRIMARY KEY, bid int, tbalance int, filler char(84))");
            s.execute("CREATE TABLE accounts (aid int PRIMARY KEY, bid int, abalance int, filler char(84))");
            s.execute("CREATE TABLE history (tid int, bid int, aid int, delta int, mtime timestamp, filler char(22))");
            s.execute("INSERT INTO branches SELECT g, 0, '' FROM generate_series(1, " + branches + ") g");
            s.execute("INSERT INTO tellers SELECT g, (g - 1) / 10 + 1, 0, '' FROM generate_series(1, " + 10 * branches + ") g");
            s.execute("INSERT INTO accounts SELECT g, (g - 1) / " + ACCOUNTS_PER_BRANCH + " + 1, 0, '' FROM generate_series(1, "
                    + ACCOUNTS_PER_BRANCH * branches + ") g");
            s.execute("ANALYZE");
        }
    }

    /** Runs {@code threads} clients for {@code millis}; returns the number of committed transactions. */
    public static long run(String url, int branches, int threads, long millis) throws Exception {
        AtomicLong done = new AtomicLong();
        long end = System.nanoTime() + millis * 1_000_000;
        List<Thread> ts = new ArrayList<>();
        List<Exception> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < threads; t++) {
            ts.add(Thread.ofPlatform().name("workload-" + t).start(() -> {
                try (Connection c = DriverManager.getConnection(url)) {
                    c.setAutoCommit(false);
                    try (PreparedStatement upd = c.prepareStatement("UPDATE accounts SET abalance = abalance + ? WHERE aid = ?");
                         PreparedStatement sel = c.prepareStatement("SELECT abalance FROM accounts WHERE aid = ?");
                         PreparedStatement tel = c.prepareStatement("UPDATE tellers SET tbalance = tbalance + ? WHERE tid = ?");
                         PreparedStatement bra = c.prepareStatement("UPDATE branches SET bbalance = bbalance + ? WHERE bid = ?");
                         PreparedStatement his = c.prepareStatement("INSERT INTO history (tid, bid, aid, delta, mtime) VALUES (?, ?, ?, ?, now())");
                         Statement report = c.createStatement()) {
                        ThreadLocalRandom r = ThreadLocalRandom.current();
                        long n = 0;
                        while (System.nanoTime() < end) {
                            int aid = r.nextInt(ACCOUNTS_PER_BRANCH * branches) + 1, tid = r.nextInt(10 * branches) + 1,
                                    bid = r.nextInt(branches) + 1, delta = r.nextInt(-5000, 5001);
                            upd.setInt(1, delta);
                            upd.setInt(2, aid);
                            upd.executeUpdate();
                            sel.setInt(1, aid);
                            try (ResultSet rs = sel.executeQuery()) {
                                while (rs.next()) rs.getInt(1);
                            }
                            tel.setInt(1, delta);
                            tel.setInt(2, tid);
                            tel.executeUpdate();
                            bra.setInt(1, delta);
                            bra.setInt(2, bid);
                            bra.executeUpdate();
                            his.setInt(1, tid);
                            his.setInt(2, bid);
                            his.setInt(3, aid);
                            his.setInt(4, delta);
                            his.executeUpdate();
                            c.commit();
                            if (++n % 50 == 0) // a literal query: normalised, all of them count as one
                                try (ResultSet rs = report.executeQuery("SELECT bid, sum(abalance) FROM accounts WHERE aid <= "
                                        + (r.nextInt(100) + 1) * 10 + " GROUP BY bid")) {
                                    while (rs.next()) rs.getLong(2);
                                }
                            done.incrementAndGet();
                        }
                        c.commit();
                    }
                } catch (Exception e) {
                    failures.add(e);
                }
            }));
        }
        for (Thread t : ts) t.join();
        if (!failures.isEmpty()) throw failures.get(0);
        return done.get();
    }

    /**
     * {@code java -cp bypass.jar dev.bypass.cli.demo.JdbcWorkload JDBC_URL SECONDS CLIENTS [--create]}: runs the
     * workload as a standalone application (what the agent-overhead benchmark starts with and without the agent)
     * and prints {@code tps N}.
     */
    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: JdbcWorkload JDBC_URL SECONDS CLIENTS [--create]");
            System.exit(2);
        }
        if (args.length > 3 && args[3].equals("--create")) createSchema(args[0], 1);
        long t0 = System.nanoTime();
        long tx = run(args[0], 1, Integer.parseInt(args[2]), Long.parseLong(args[1]) * 1000);
        System.out.printf("tps %.1f%n", tx / ((System.nanoTime() - t0) / 1e9));
    }
}
