package dev.bypass.cli.demo;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

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
        return run(url, branches, threads, 0, millis).allTransactions();
    }

    /**
     * What a measured run did between the end of its warm-up and its end: transactions, JDBC statement executions
     * (each executeUpdate, executeQuery and commit), wall time, and the CPU time of the whole process (every thread:
     * clients, garbage collection, JIT compilers, and whatever an agent runs), split into the client threads' CPU
     * time and that of the threads named {@code bypass-*} (an agent's collector and endpoints; the rest is the JVM's
     * own: compilers, GC); and every transaction of the run, warm-up and those finished after the window included.
     */
    public record Window(long transactions, long statements, double seconds, long processCpuNanos,
                         long clientThreadsCpuNanos, long bypassThreadsCpuNanos, long allTransactions) {
        public double tps() { return transactions / seconds; }
    }

    /**
     * Runs {@code threads} clients for {@code warmupMillis} and then {@code millis} more on the same connections;
     * returns what happened in the second part only, so start-up work (class loading, compilation, an agent's
     * attach) stays out of the figures.
     */
    public static Window run(String url, int branches, int threads, long warmupMillis, long millis) throws Exception {
        LongAdder done = new LongAdder(), statements = new LongAdder();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> ts = new ArrayList<>();
        List<Exception> failures = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch connected = new CountDownLatch(threads);
        for (int t = 0; t < threads; t++) {
            ts.add(Thread.ofPlatform().name("workload-" + t).start(() -> {
                boolean counted = false;
                try (Connection c = DriverManager.getConnection(url)) {
                    connected.countDown();
                    counted = true;
                    transactions(c, branches, stop, done, statements);
                } catch (Exception e) {
                    failures.add(e);
                } finally {
                    if (!counted) connected.countDown();
                }
            }));
        }
        connected.await();
        Thread.sleep(warmupMillis);
        long tx0 = done.sum(), st0 = statements.sum(), cpu0 = processCpuNanos(), t0 = System.nanoTime();
        Map<Long, Long> clients0 = threadsCpuNanos(ts), bypass0 = threadsCpuNanos(bypassThreads());
        Thread.sleep(millis);
        long tx1 = done.sum(), st1 = statements.sum(), cpu1 = processCpuNanos(), t1 = System.nanoTime();
        long clients = cpuSince(clients0, threadsCpuNanos(ts)), bypass = cpuSince(bypass0, threadsCpuNanos(bypassThreads()));
        stop.set(true);
        for (Thread t : ts) t.join();
        if (!failures.isEmpty()) throw failures.get(0);
        return new Window(tx1 - tx0, st1 - st0, (t1 - t0) / 1e9, cpu1 - cpu0, clients, bypass, done.sum());
    }

    /** The live threads an agent started (its collector, metrics and admin endpoints are all named bypass-*). */
    private static List<Thread> bypassThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("bypass-")).toList();
    }

    /** CPU time so far of each live thread, by thread id. */
    private static Map<Long, Long> threadsCpuNanos(List<Thread> threads) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Map<Long, Long> cpu = new HashMap<>();
        for (Thread t : threads) {
            long ns = mx.getThreadCpuTime(t.threadId());
            if (ns >= 0) cpu.put(t.threadId(), ns);
        }
        return cpu;
    }

    /** CPU time used between two readings by the threads alive at the second (a thread started in between: all of it). */
    private static long cpuSince(Map<Long, Long> before, Map<Long, Long> after) {
        long sum = 0;
        for (var e : after.entrySet()) sum += e.getValue() - before.getOrDefault(e.getKey(), 0L);
        return sum;
    }

    private static long processCpuNanos() {
        return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static void transactions(Connection c, int branches, AtomicBoolean stop,
                                     LongAdder done, LongAdder statements) throws SQLException {
        c.setAutoCommit(false);
        try (PreparedStatement upd = c.prepareStatement("UPDATE accounts SET abalance = abalance + ? WHERE aid = ?");
             PreparedStatement sel = c.prepareStatement("SELECT abalance FROM accounts WHERE aid = ?");
             PreparedStatement tel = c.prepareStatement("UPDATE tellers SET tbalance = tbalance + ? WHERE tid = ?");
             PreparedStatement bra = c.prepareStatement("UPDATE branches SET bbalance = bbalance + ? WHERE bid = ?");
             PreparedStatement his = c.prepareStatement("INSERT INTO history (tid, bid, aid, delta, mtime) VALUES (?, ?, ?, ?, now())");
             Statement report = c.createStatement()) {
            ThreadLocalRandom r = ThreadLocalRandom.current();
            long n = 0;
            while (!stop.get()) {
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
                int executed = 6;
                if (++n % 50 == 0) { // a literal query: normalised, all of them count as one
                    try (ResultSet rs = report.executeQuery("SELECT bid, sum(abalance) FROM accounts WHERE aid <= "
                            + (r.nextInt(100) + 1) * 10 + " GROUP BY bid")) {
                        while (rs.next()) rs.getLong(2);
                    }
                    executed++;
                }
                statements.add(executed);
                done.increment();
            }
            c.commit();
        }
    }

    /**
     * {@code java -cp bypass.jar dev.bypass.cli.demo.JdbcWorkload JDBC_URL SECONDS CLIENTS [--create] [--warmup S]}:
     * runs the workload as a standalone application (what the agent-overhead benchmark starts with and without the
     * agent) and prints, for the SECONDS after the warm-up, {@code tps}, {@code transactions}, {@code statements},
     * {@code cpu_ns} (the process's CPU time), {@code client_threads_cpu_ns} and {@code bypass_threads_cpu_ns} (the
     * part of it spent by the client threads and by threads named bypass-*), and {@code startup_cpu_ns}: the CPU time
     * the JVM had used when {@code main} began (start-up, plus an agent's premain).
     */
    public static void main(String[] args) throws Exception {
        long startupCpu = processCpuNanos();
        if (args.length < 3) {
            System.err.println("usage: JdbcWorkload JDBC_URL SECONDS CLIENTS [--create] [--warmup SECONDS]");
            System.exit(2);
        }
        long warmup = 0;
        boolean create = false;
        for (int i = 3; i < args.length; i++) {
            if (args[i].equals("--create")) create = true;
            else if (args[i].equals("--warmup") && i + 1 < args.length) warmup = (long) (Double.parseDouble(args[++i]) * 1000);
            else {
                System.err.println("unknown argument " + args[i]);
                System.exit(2);
            }
        }
        if (create) createSchema(args[0], 1);
        Window w = run(args[0], 1, Integer.parseInt(args[2]), warmup, (long) (Double.parseDouble(args[1]) * 1000));
        System.out.printf("tps %.1f%ntransactions %d%nstatements %d%ncpu_ns %d%nclient_threads_cpu_ns %d%n"
                + "bypass_threads_cpu_ns %d%nstartup_cpu_ns %d%n", w.tps(), w.transactions(), w.statements(), w.processCpuNanos(), w.clientThreadsCpuNanos(),
                w.bypassThreadsCpuNanos(), startupCpu);
    }
}
