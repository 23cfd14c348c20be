package dev.bypass.bench;

import dev.bypass.programs.Verifiers;
import dev.bypass.proxy.hooks.ProgramQueryHook;
import dev.bypass.proxy.hooks.QueryRequest;
import dev.bypass.proxy.sql.Classification;
import dev.bypass.proxy.sql.StatementClassifier;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;

/**
 * What the query guard costs per query: classifying a text statement by statement on the lexer (uncached, and from
 * the cache of texts seen before, as a workload repeats them), and the whole query hook as the proxy calls it
 * (classification done: normalising the text for the fingerprint and running the verified, JIT-compiled
 * query_guard program).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class QueryGuardBenchmark {
    static final Map<String, String> QUERIES = Map.of(
            "pgbench_select", "SELECT abalance FROM pgbench_accounts WHERE aid = $1;",
            "tpcb_update", "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2;",
            "orm_1k", "SELECT t0.id, t0.name, t0.email, t0.created_at, t1.id AS order_id, t1.total, t1.status "
                    + "FROM customers t0 LEFT OUTER JOIN orders t1 ON t1.customer_id = t0.id "
                    + "WHERE t0.tenant_id = $1 AND t0.deleted_at IS NULL AND (t1.status IN ('open', 'paid', 'shipped') OR t1.status IS NULL) "
                    + "/* app:checkout, controller:orders#index */ ORDER BY t0.created_at DESC, t1.id LIMIT 50 OFFSET $2 ".repeat(3),
            "multi_statement", "BEGIN; UPDATE pgbench_accounts SET abalance = abalance + 5 WHERE aid = 7; "
                    + "SELECT abalance FROM pgbench_accounts WHERE aid = 7; INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) "
                    + "VALUES (1, 1, 7, 5, CURRENT_TIMESTAMP); END;",
            "dollar_quoted_10k", "DO $body$ BEGIN " + "PERFORM 1; -- ' \" $ \n".repeat(450) + " END $body$");

    @Param({"pgbench_select", "tpcb_update", "orm_1k", "multi_statement", "dollar_quoted_10k"}) public String query;

    byte[] text;
    StatementClassifier cached;
    ProgramQueryHook hook;
    QueryRequest request;

    @Setup public void setup() throws Exception {
        text = QUERIES.get(query).getBytes(StandardCharsets.UTF_8);
        cached = new StatementClassifier();
        cached.classify(text, text.length, false); // a text is cached the second time it is seen
        Classification c = cached.classify(text, text.length, false);
        hook = new ProgramQueryHook(Verifiers.standard());
        hook.readOnly("analyst");
        if (!hook.program().verified()) throw new IllegalStateException("the guard must run verified");
        request = new QueryRequest("app", "bench", QueryRequest.Kind.QUERY, text, text.length, text.length, c.mask(), c.statements());
    }

    @TearDown public void close() { hook.close(); }

    @Benchmark public Classification classifyUncached() { return StatementClassifier.classifyUncached(text, text.length, false); }

    @Benchmark public Classification classifyCached() { return cached.classify(text, text.length, false); }

    @Benchmark public Object queryHook() { return hook.onQuery(request); }
}
