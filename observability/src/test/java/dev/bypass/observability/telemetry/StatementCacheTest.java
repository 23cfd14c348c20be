package dev.bypass.observability.telemetry;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.programs.SqlText;
import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** The statement cache behind bypass_arg_sql: what it gives, by identity, bounded, without keeping statements alive. */
class StatementCacheTest {
    private static final List<String> PARTS = List.of("SELECT", " * ", "FROM t", " WHERE id = ", "42", "'it''s'", "$1", "-- c\n",
            "/* x */", "  ", "\t", "e'x'", "1.5e3", "-7", "é", ";", "AND", "name", "\u0000");

    static String sql(Random r) {
        StringBuilder sb = new StringBuilder();
        int n = r.nextInt(40);
        for (int i = 0; i < n; i++) sb.append(PARTS.get(r.nextInt(PARTS.size())));
        return sb.toString();
    }

    /** What bypass_arg_bytes then bypass_normalize_sql leave: the first {@code limit} bytes, normalised in place. */
    static StatementCache.Statement perCall(String sql, int limit) {
        byte[] raw = sql.getBytes(StandardCharsets.UTF_8), buf = new byte[limit];
        int n = Math.min(raw.length, limit);
        System.arraycopy(raw, 0, buf, 0, n);
        long fingerprint = SqlText.normalize(buf, limit);
        int end = 0;
        while (end < limit && buf[end] != 0) end++;
        return new StatementCache.Statement(Arrays.copyOf(buf, end), fingerprint);
    }

    @TestFactory Stream<DynamicTest> sameTextAndFingerprintAsReadingOnEveryCall() {
        return LongStream.rangeClosed(1, 5).mapToObj(seed -> DynamicTest.dynamicTest("seed " + seed, () -> {
            Random r = new Random(seed);
            StatementCache cache = new StatementCache(64);
            for (int i = 0; i < 2000; i++) {
                String sql = sql(r);
                int limit = 1 + r.nextInt(80);
                StatementCache.Statement want = perCall(sql, limit), got = cache.statement(sql, limit);
                assertEquals(want.fingerprint(), got.fingerprint(), "seed " + seed + ": " + sql + " cut at " + limit);
                assertArrayEquals(want.text(), got.text(), "seed " + seed + ": " + sql + " cut at " + limit);
                assertSame(got, cache.statement(sql, limit), "seed " + seed + ": found again by identity");
            }
        }));
    }

    @Test void foundByIdentityAndBounded() {
        StatementCache cache = new StatementCache(100);
        assertEquals(128, cache.capacity());
        String a = "SELECT 1";
        StatementCache.Statement first = cache.statement(a, 256);
        assertSame(first, cache.statement(a, 256));
        assertEquals(1, cache.misses());
        String equalButNotSame = new String("SELECT 1");
        assertNotSame(first, cache.statement(equalButNotSame, 256), "identity, not equality");
        assertEquals(2, cache.misses());
        assertNotSame(first, cache.statement(a, 5), "another limit is another entry");
        // far more statements than slots: the table stays as it is, every answer is still right
        for (int i = 0; i < 5000; i++) {
            String s = "SELECT " + i + " FROM t" + (i % 7);
            assertEquals(SqlText.fingerprint(s), cache.statement(s, 256).fingerprint());
        }
        assertEquals(128, cache.capacity());
        assertNull(cache.statement(42, 256), "numbers have no text");
        assertNull(cache.statement(Boolean.TRUE, 256));
        assertThrows(IllegalArgumentException.class, () -> new StatementCache(1 << 21));
    }

    @Test void doesNotKeepStatementsAlive() throws Exception {
        StatementCache cache = new StatementCache(16);
        Object statement = new Object() {
            @Override public String toString() { return "SELECT * FROM t WHERE id = 7"; }
        };
        assertEquals(SqlText.fingerprint("SELECT * FROM t WHERE id = 7"), cache.statement(statement, 256).fingerprint());
        WeakReference<Object> ref = new WeakReference<>(statement);
        statement = null;
        for (int i = 0; i < 50 && ref.get() != null; i++) {
            System.gc();
            Thread.sleep(10);
        }
        assertNull(ref.get(), "collected although it is in the cache");
    }
}
