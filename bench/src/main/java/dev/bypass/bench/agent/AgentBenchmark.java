package dev.bypass.bench.agent;

import dev.bypass.observability.agent.AgentSession;
import dev.bypass.observability.agent.BypassAgent;
import dev.bypass.observability.metrics.RecordWriter;
import dev.bypass.observability.telemetry.QueryTelemetry;
import dev.bypass.vm.elf.ElfLoader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;

/**
 * What the query-telemetry agent costs the application's thread per statement, without a database: a stand-in for
 * pgjdbc's executor with the shapes the pgjdbc configuration probes ({@code execute(Query, ParameterList,
 * ResultHandler, int, int, int, boolean)} calling {@code receiveCommandStatus()}, which returns the CommandComplete
 * tag), run plain and with the agent attached (the bundled query_telemetry programs at the same three points, the
 * feature records streamed to /dev/null by the collector thread); and what the collector spends formatting one
 * record. Run with {@code -prof gc} for the bytes allocated per statement.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Djdk.attach.allowAttachSelf=true", "-XX:+EnableDynamicAgentLoading"})
public class AgentBenchmark {
    /** A statement as pgjdbc's Query gives it: the SQL by {@code toString}, the same object every execution. */
    public static final class Query {
        private final String sql;

        Query(String sql) { this.sql = sql; }

        @Override public String toString() { return sql; }
    }

    /** The executor without probes. */
    public static class PlainExecutor {
        long executed, tags;

        public void execute(Query q, Object parameters, Object handler, int maxRows, int fetchSize, int flags, boolean adaptiveFetch) {
            executed++;
            tags += receiveCommandStatus().length();
        }

        public String receiveCommandStatus() { return "UPDATE 1"; }
    }

    /** The same executor, the class the agent instruments. */
    public static final class ProbedExecutor extends PlainExecutor {
        @Override public void execute(Query q, Object parameters, Object handler, int maxRows, int fetchSize, int flags, boolean adaptiveFetch) {
            super.execute(q, parameters, handler, maxRows, fetchSize, flags, adaptiveFetch);
        }

        @Override public String receiveCommandStatus() { return super.receiveCommandStatus(); }
    }

    final Query[] statements = {
            new Query("UPDATE accounts SET abalance = abalance + $1 WHERE aid = $2"), new Query("SELECT abalance FROM accounts WHERE aid = $1"),
            new Query("UPDATE tellers SET tbalance = tbalance + $1 WHERE tid = $2"), new Query("UPDATE branches SET bbalance = bbalance + $1 WHERE bid = $2"),
            new Query("INSERT INTO history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, now())"), new Query("COMMIT")};
    final PlainExecutor plain = new PlainExecutor();
    final ProbedExecutor probed = new ProbedExecutor();
    AgentSession session;
    int next;

    @Setup public void attach() throws Exception {
        String probedClass = ProbedExecutor.class.getName();
        String conf = QueryTelemetry.pgjdbcConfig("jit", Path.of("/dev/null"), "jsonl", null)
                .replace("org.postgresql.core.v3.QueryExecutorImpl#execute(Lorg/postgresql/core/Query;Lorg/postgresql/core/ParameterList;Lorg/postgresql/core/ResultHandler;IIIZ)V",
                        probedClass + "#execute")
                .replace("org.postgresql.core.v3.QueryExecutorImpl#receiveCommandStatus", probedClass + "#receiveCommandStatus");
        Path file = Files.createTempFile("agent-benchmark", ".conf");
        try {
            session = BypassAgent.attachSelf(Files.writeString(file, conf));
        } finally {
            Files.delete(file);
        }
        if (session.instrumented().size() != 2) throw new IllegalStateException("expected 2 instrumented methods: " + session.instrumented());
    }

    @TearDown public void detach() {
        if (session.errors() > 0) throw new IllegalStateException("agent errors: " + session.lastError());
        BypassAgent.detach();
    }

    private Query nextStatement() {
        int i = next + 1 == statements.length ? 0 : next + 1;
        next = i;
        return statements[i];
    }

    @Benchmark public long statementWithoutAgent() {
        plain.execute(nextStatement(), null, null, 0, 0, 1, false);
        return plain.executed;
    }

    @Benchmark public long statementWithTelemetry() {
        probed.execute(nextStatement(), null, null, 0, 0, 1, false);
        return probed.executed;
    }

    /** The collector's share: one feature record formatted as a JSON line (written to /dev/null in batches). */
    @State(Scope.Thread)
    public static class Records {
        RecordWriter writer;
        final byte[] record = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(0x9e3779b97f4a7c15L).putLong(183_412).putLong(1).putLong(31).array();

        @Setup public void open() throws Exception {
            var btf = ElfLoader.load(AgentSession.bundled("query_telemetry")).btf();
            writer = new RecordWriter(btf, "query_features", RecordWriter.Format.JSONL, Path.of("/dev/null"));
        }

        @TearDown public void close() throws Exception { writer.close(); }
    }

    @Benchmark public long formatFeatureRecord(Records r) {
        r.writer.write(r.record);
        return r.writer.written();
    }
}
