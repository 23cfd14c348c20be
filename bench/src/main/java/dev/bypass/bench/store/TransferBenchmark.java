package dev.bypass.bench.store;

import dev.bypass.programs.LoadedObject;
import dev.bypass.programs.LoadedProgram;
import dev.bypass.programs.ProgramRuntime;
import dev.bypass.programs.Verifiers;
import dev.bypass.txnstore.Isolation;
import dev.bypass.txnstore.Store;
import dev.bypass.txnstore.Table;
import dev.bypass.txnstore.programs.StoredProcedures;
import dev.bypass.vm.exec.EngineKind;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One money transfer (read two balances, check funds, write both, serializable) three ways, in one run:
 * <ul>
 *   <li>{@code program}: the bundled {@code bank.c} {@code transfer}, built by clang, checked by the standard
 *       verifier, JIT-compiled, calling the store helpers as a stored procedure;</li>
 *   <li>{@code javaApi}: the same transaction through the embedded Java API;</li>
 *   <li>{@code respWatchMulti}: the same transfer as a Redis client writes it against the RESP server in another
 *       process on loopback: {@code WATCH from to} with {@code MGET from to} in one round trip, then {@code MULTI SET
 *       SET EXEC} in a second (retried when EXEC reports a conflict);</li>
 *   <li>{@code respMultiOnly}: the cheapest network form, one round trip of {@code MULTI GET GET DECRBY INCRBY
 *       EXEC} (no funds check: MULTI cannot branch on what it reads), as the lower bound of a network transfer.</li>
 * </ul>
 * All stores are in memory (no log), so only the transaction and the boundary are measured. 1,000 accounts, random
 * distinct pairs, one thread.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class TransferBenchmark {
    static final int ACCOUNTS = 1000;
    static final long OPENING = 1L << 40;

    Store store;
    Table accounts;
    ProgramRuntime runtime;
    LoadedObject bank;
    LoadedProgram transfer;
    StoredProcedures procedures;
    final byte[] context = new byte[8 * StoredProcedures.MAX_ARGS];
    final byte[][] keys = new byte[ACCOUNTS][];
    final SplittableRandom random = new SplittableRandom(42);

    Process server;
    RespClient client;
    final byte[][] respKeys = new byte[ACCOUNTS][];

    @Setup(Level.Trial) public void setUp() throws Exception {
        store = Store.inMemory();
        accounts = store.table("accounts");
        for (int i = 0; i < ACCOUNTS; i++) keys[i] = le(i);
        store.run(Isolation.SERIALIZABLE, tx -> {
            for (byte[] k : keys) tx.put(accounts, k, le(OPENING));
        });
        runtime = ProgramRuntime.builder().verifier(Verifiers.standard()).engine(EngineKind.JIT).helpers(StoredProcedures.helpers()).build();
        try (InputStream in = StoredProcedures.class.getResourceAsStream("/dev/bypass/txnstore/bpf/bank.o")) {
            bank = runtime.load("bank", in.readAllBytes());
        }
        transfer = bank.program("transfer");
        procedures = new StoredProcedures(store).add(bank);

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        server = new ProcessBuilder(java, "-Xmx1g", "-cp", System.getProperty("java.class.path"), TransferServer.class.getName())
                .redirectErrorStream(true).start();
        BufferedReader lines = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = lines.readLine()) != null && !line.startsWith("ready ")) {
            // the server's start-up output, if any
        }
        if (line == null) throw new IllegalStateException("the RESP server process ended before it was ready");
        client = new RespClient(Integer.parseInt(line.substring(6).trim()));
        if (!"PONG".equals(client.call("PING"))) throw new IllegalStateException("no PONG from the RESP server");
        for (int i = 0; i < ACCOUNTS; i++) {
            respKeys[i] = ("account:" + i).getBytes(StandardCharsets.US_ASCII);
            client.call("SET".getBytes(StandardCharsets.US_ASCII), respKeys[i], Long.toString(OPENING).getBytes(StandardCharsets.US_ASCII));
        }
    }

    @TearDown(Level.Trial) public void tearDown() throws Exception {
        // every transfer keeps the total: a check that the runs did whole transactions
        long total = store.read(tx -> {
            long sum = 0;
            for (byte[] k : keys) sum += le(tx.get(accounts, k));
            return sum;
        });
        if (total != ACCOUNTS * OPENING) throw new IllegalStateException("embedded store: balances sum to " + total);
        long[] network = {0};
        for (byte[] k : respKeys) network[0] += Long.parseLong((String) client.call(GET, k));
        if (network[0] != ACCOUNTS * OPENING) throw new IllegalStateException("RESP server: balances sum to " + network[0]);
        client.close();
        if (server != null) {
            server.getOutputStream().close(); // the server stops at the end of its input
            if (!server.waitFor(10, TimeUnit.SECONDS)) server.destroyForcibly();
        }
        bank.close();
        runtime.close();
        store.close();
    }

    int from, to;

    private void pick() {
        from = random.nextInt(ACCOUNTS);
        int t = random.nextInt(ACCOUNTS - 1);
        to = t >= from ? t + 1 : t;
    }

    @Benchmark public long program() {
        pick();
        putLe(context, 0, from);
        putLe(context, 8, to);
        putLe(context, 16, 1);
        return procedures.run(transfer, context);
    }

    @Benchmark public long javaApi() {
        pick();
        return store.call(Isolation.SERIALIZABLE, tx -> {
            byte[] a = tx.get(accounts, keys[from]), b = tx.get(accounts, keys[to]);
            if (a == null || b == null || le(a) < 1) {
                tx.abort();
                return 1L;
            }
            tx.putOwned(accounts, keys[from], le(le(a) - 1));
            tx.putOwned(accounts, keys[to], le(le(b) + 1));
            return 0L;
        });
    }

    static final byte[] WATCH = bytes("WATCH"), MGET = bytes("MGET"), MULTI = bytes("MULTI"), SET = bytes("SET"), EXEC = bytes("EXEC"),
            GET = bytes("GET"), DECRBY = bytes("DECRBY"), INCRBY = bytes("INCRBY"), ONE = bytes("1"), UNWATCH = bytes("UNWATCH");

    @Benchmark public long respWatchMulti() throws IOException {
        pick();
        byte[] a = respKeys[from], b = respKeys[to];
        while (true) {
            client.send(WATCH, a, b);
            client.send(MGET, a, b);
            client.flush();
            client.read();
            Object[] balances = (Object[]) client.read();
            long x = Long.parseLong((String) balances[0]), y = Long.parseLong((String) balances[1]);
            if (x < 1) {
                client.call(UNWATCH);
                return 1;
            }
            client.send(MULTI);
            client.send(SET, a, bytes(Long.toString(x - 1)));
            client.send(SET, b, bytes(Long.toString(y + 1)));
            client.send(EXEC);
            client.flush();
            client.read();
            client.read();
            client.read();
            if (client.read() != null) return 0; // null: a watched key changed, run it again
        }
    }

    @Benchmark public Object respMultiOnly() throws IOException {
        pick();
        byte[] a = respKeys[from], b = respKeys[to];
        client.send(MULTI);
        client.send(GET, a);
        client.send(GET, b);
        client.send(DECRBY, a, ONE);
        client.send(INCRBY, b, ONE);
        client.send(EXEC);
        client.flush();
        for (int i = 0; i < 5; i++) client.read();
        return client.read();
    }

    static byte[] bytes(String s) { return s.getBytes(StandardCharsets.US_ASCII); }

    static byte[] le(long v) {
        byte[] b = new byte[8];
        putLe(b, 0, v);
        return b;
    }

    static long le(byte[] b) {
        long v = 0;
        for (int i = 7; i >= 0; i--) v = (v << 8) | (b[i] & 0xff);
        return v;
    }

    static void putLe(byte[] b, int at, long v) {
        for (int i = 0; i < 8; i++) b[at + i] = (byte) (v >>> (8 * i));
    }
}
