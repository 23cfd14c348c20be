package dev.bypass.txnstore.resp;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.bypass.txnstore.Store;
import dev.bypass.txnstore.StoreOptions;
import dev.bypass.txnstore.SyncPolicy;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Transaction;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.params.ZAddParams;
import redis.clients.jedis.params.ZRangeParams;

/**
 * Lists, sets, sorted sets, key commands and expiry against the semantics Redis documents: through Jedis, inside
 * MULTI/EXEC, in RESP3, with active expiry, across a SIGKILL and recovery, and through redis-py.
 */
class DataTypesTest extends ServerFixture {



    Jedis jedis() { return new Jedis("127.0.0.1", server.port(), 30_000); }

    /**
     * Pushes from many connections on several I/O threads to one list never conflict (each is evaluated inside its
     * commit) and each reply is the length right after that push: the replies are exactly 1..N.
     */
    @Test
    void concurrentPushesToOneListNeverConflictAndEachSeesItsOwnLength() throws Exception {
        try (RespServer four = RespServer.start(store, Procedures.NONE, 0, 4)) {
            int clients = 8, each = 100;
            java.util.Set<Long> lengths = java.util.concurrent.ConcurrentHashMap.newKeySet();
            java.util.List<Thread> threads = new java.util.ArrayList<>();
            java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
            long conflictsBefore = store.stats().conflicts();
            for (int c = 0; c < clients; c++) {
                int id = c;
                threads.add(Thread.ofPlatform().start(() -> {
                    try (Jedis j = new Jedis("127.0.0.1", four.port(), 30_000)) {
                        for (int i = 0; i < each; i++) lengths.add(i % 2 == 0 ? j.lpush("shared", id + ":" + i) : j.rpush("shared", id + ":" + i));
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    }
                }));
            }
            for (Thread t : threads) t.join();
            if (failure.get() != null) throw new AssertionError(failure.get());
            assertEquals(clients * each, lengths.size());
            assertEquals(1L, java.util.Collections.min(lengths));
            assertEquals((long) clients * each, java.util.Collections.max(lengths));
            assertEquals(0, store.stats().conflicts() - conflictsBefore);
            try (Jedis j = new Jedis("127.0.0.1", four.port(), 30_000)) {
                List<String> all = j.lrange("shared", 0, -1);
                assertEquals(clients * each, all.size());
                assertEquals(clients * each, Set.copyOf(all).size());
                for (int c = 0; c < clients; c++) { // one client's left pushes appear newest first, its right pushes oldest first
                    List<String> mine = new java.util.ArrayList<>();
                    for (String e : all) if (e.startsWith(c + ":")) mine.add(e);
                    List<Integer> order = mine.stream().map(e -> Integer.parseInt(e.substring(e.indexOf(':') + 1))).toList();
                    int split = (int) order.stream().filter(i -> i % 2 == 0).count();
                    for (int k = 0; k + 1 < order.size(); k++)
                        if (k + 1 < split) assertTrue(order.get(k) > order.get(k + 1), order.toString());
                        else if (k >= split) assertTrue(order.get(k) < order.get(k + 1), order.toString());
                }
                j.set("str", "x");
                assertThrows(JedisDataException.class, () -> j.lpush("str", "y"));
                assertEquals("x", j.get("str"));
                assertEquals(0, j.lpushx("absent", "y"));
                assertFalse(j.exists("absent"));
            }
        }
    }

    static void fill(Jedis j) {
        j.rpush("list", "b", "c");
        j.lpush("list", "a");
        j.sadd("set", "x", "y", "z");
        j.zadd("zset", Map.of("one", 1.0, "two", 2.0, "three", 3.0));
        j.hset("hash", Map.of("f", "v"));
        j.set("ttl", "t", SetParams.setParams().ex(1000));
        j.set("plain", "p");
    }

    static void check(Jedis j) {
        assertEquals(List.of("a", "b", "c"), j.lrange("list", 0, -1));
        assertEquals(Set.of("x", "y", "z"), j.smembers("set"));
        assertEquals(List.of("one", "two", "three"), j.zrange("zset", 0, -1));
        assertEquals(2.0, j.zscore("zset", "two"));
        assertEquals(Map.of("f", "v"), j.hgetAll("hash"));
        assertTrue(j.ttl("ttl") > 900);
        assertEquals(-1, j.ttl("plain"));
    }

    @Test
    void listsFollowRedisSemantics() {
        try (Jedis j = jedis()) {
            assertEquals(2, j.rpush("l", "a", "b"));
            assertEquals(4, j.lpush("l", "y", "x")); // LPUSH inserts one by one: x ends up first
            assertEquals(List.of("x", "y", "a", "b"), j.lrange("l", 0, -1));
            assertEquals(List.of("a", "b"), j.lrange("l", -2, 100));
            assertEquals(List.of(), j.lrange("l", 5, 10));
            assertEquals("b", j.lindex("l", -1));
            assertNull(j.lindex("l", 10));
            j.rpush("l", "a", "a");
            assertEquals(2, j.lrem("l", -2, "a"));
            assertEquals(List.of("x", "y", "a", "b"), j.lrange("l", 0, -1));
            assertEquals(List.of("x", "y"), j.lpop("l", 2));
            assertEquals("b", j.rpop("l"));
            assertEquals("a", j.rpop("l"));
            assertFalse(j.exists("l"), "an emptied list no longer exists");
            assertNull(j.lpop("l"));
            assertEquals(0, j.lpushx("l", "v"));
            j.set("s", "v");
            JedisDataException e = assertThrows(JedisDataException.class, () -> j.rpush("s", "v"));
            assertEquals("WRONGTYPE Operation against a key holding the wrong kind of value", e.getMessage());
            j.rpush("m", "a");
            e = assertThrows(JedisDataException.class, () -> j.lset("m", 3, "v"));
            assertEquals("ERR index out of range", e.getMessage());
        }
    }

    @Test
    void setsAndSortedSetsFollowRedisSemantics() {
        try (Jedis j = jedis()) {
            assertEquals(2, j.sadd("a", "1", "2", "2"));
            j.sadd("b", "2", "3");
            assertEquals(Set.of("2"), j.sinter("a", "b"));
            assertEquals(Set.of("1", "2", "3"), j.sunion("a", "b"));
            assertEquals(Set.of(), j.sinter("a", "missing"));
            assertEquals(2, j.scard("a"));
            assertEquals(2, j.srem("a", "1", "2", "9"));
            assertFalse(j.exists("a"));

            assertEquals(2, j.zadd("z", Map.of("a", 1.0, "b", 2.0)));
            assertEquals(0, j.zadd("z", 5.0, "a", ZAddParams.zAddParams().nx()));
            assertEquals(0, j.zadd("z", 0.5, "a", ZAddParams.zAddParams().gt()));
            assertEquals(1.0, j.zscore("z", "a"));
            assertEquals(1, j.zadd("z", 3.0, "a", ZAddParams.zAddParams().ch()));
            assertEquals(List.of("b", "a"), j.zrange("z", 0, -1));
            assertEquals(4.5, j.zincrby("z", 1.5, "a"));
            j.zadd("z", Map.of("c", 2.0, "d", Double.POSITIVE_INFINITY));
            assertEquals(List.of("b", "c"), j.zrangeByScore("z", "2", "(4.5"));
            assertEquals(List.of("c"), j.zrangeByScore("z", "2", "+inf", 1, 1));
            assertEquals(List.of("d", "a"), j.zrange("z", ZRangeParams.zrangeByScoreParams(Double.POSITIVE_INFINITY, 4.5).rev()));
            assertEquals(1L, j.zrank("z", "c"), "ties in score order by member");
            assertEquals(4, j.zcard("z"));
            assertEquals(1, j.zrem("z", "b"));
            JedisDataException e = assertThrows(JedisDataException.class, () -> j.zadd("z", Double.NaN, "x"));
            assertTrue(e.getMessage().startsWith("ERR"), e.getMessage());
            e = assertThrows(JedisDataException.class, () -> j.zrangeByScore("z", "x", "1"));
            assertEquals("ERR min or max is not a float", e.getMessage());
        }
    }

    @Test
    void keyCommandsScanRenameAndExpiry() throws Exception {
        try (Jedis j = jedis()) {
            fill(j);
            assertEquals("list", j.type("list"));
            assertEquals("zset", j.type("zset"));
            assertEquals("none", j.type("nothing"));
            assertEquals("OK", j.rename("zset", "z2"));
            assertEquals(List.of("one", "two", "three"), j.zrange("z2", 0, -1));
            assertFalse(j.exists("zset"));
            JedisDataException e = assertThrows(JedisDataException.class, () -> j.rename("nothing", "x"));
            assertEquals("ERR no such key", e.getMessage());
            java.util.Set<String> seen = new java.util.HashSet<>();
            String cursor = "0";
            do {
                var page = j.scan(cursor, new ScanParams().count(2));
                seen.addAll(page.getResult());
                cursor = page.getCursor();
            } while (!cursor.equals("0"));
            assertEquals(Set.of("list", "set", "z2", "hash", "ttl", "plain"), seen);
            assertEquals(List.of("set"), j.scan("0", new ScanParams().count(100), "set").getResult());
            assertEquals(List.of("hash"), j.scan("0", new ScanParams().match("h*").count(100)).getResult());
            // active expiry removes keys nobody reads again
            j.set("short", "x", SetParams.setParams().px(50));
            j.rpush("shortlist", "a", "b");
            j.pexpire("shortlist", 50);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (store.read(tx -> tx.get(store.table("redis0"), "short".getBytes(StandardCharsets.UTF_8))) != null && System.nanoTime() < deadline)
                Thread.sleep(20);
            assertNull(store.read(tx -> tx.get(store.table("redis0"), "short".getBytes(StandardCharsets.UTF_8))), "removed without a read");
            while (store.read(tx -> tx.get(store.table("redis0"), "shortlist".getBytes(StandardCharsets.UTF_8))) != null && System.nanoTime() < deadline)
                Thread.sleep(20);
            assertFalse(j.exists("shortlist"));
            byte[] prefix = RedisData.prefix("shortlist".getBytes(StandardCharsets.UTF_8));
            assertEquals(0, store.read(tx -> tx.scanPrefix(store.table("redis0.list"), prefix, 10)).size(), "its elements went with it");
        }
    }

    @Test
    void everyTypeInsideMultiExecAndWatch() {
        try (Jedis j = jedis(); Jedis other = jedis()) {
            Transaction t = j.multi();
            t.lpush("l", "a");
            t.sadd("s", "m");
            t.zadd("z", 1, "m");
            t.lpush("s", "wrong"); // a runtime error inside EXEC does not undo the others
            t.rpop("l");
            List<Object> r = t.exec();
            assertEquals(5, r.size());
            assertEquals(1L, r.get(0));
            assertEquals(1L, r.get(1));
            assertEquals(1L, r.get(2));
            assertTrue(r.get(3) instanceof JedisDataException, String.valueOf(r.get(3)));
            assertEquals("a", r.get(4));
            assertEquals(Set.of("m"), j.smembers("s"));
            j.watch("s");
            other.sadd("s", "n"); // a member changed: the watched set changed
            Transaction t2 = j.multi();
            t2.sadd("s", "o");
            assertNull(t2.exec());
            assertEquals(Set.of("m", "n"), j.smembers("s"));
        }
    }

    @Test
    void resp3RepliesAfterHello3() throws Exception {
        try (Jedis j = jedis()) {
            j.sadd("s", "a");
            j.zadd("z", 2.5, "m");
            j.hset("h", "f", "v");
        }
        try (RespServerTest.RawClient c = new RespServerTest.RawClient(server.port())) {
            c.out.write((RespServerTest.resp("HELLO", "3") + RespServerTest.resp("ZSCORE", "z", "m") + RespServerTest.resp("SMEMBERS", "s")
                    + RespServerTest.resp("GET", "nothing") + RespServerTest.resp("HGETALL", "h")).getBytes(StandardCharsets.US_ASCII));
            c.out.flush();
            assertEquals("%7", c.line());
            for (int i = 0; i < 25; i++) c.line(); // seven pairs: bulk keys, bulk and integer values
            assertEquals(",2.5", c.line());
            assertEquals("~1", c.line());
            assertEquals("$1", c.line());
            assertEquals("a", c.line());
            assertEquals("_", c.line());
            assertEquals("%1", c.line());
        }
    }

    @Test
    void everyTypeSurvivesSigkillAndRecovery() throws Exception {
        Path d = dir.resolveSibling(dir.getFileName() + "-kill");
        LargeValueCrashTest.Child child = LargeValueCrashTest.start(d);
        try (Jedis j = new Jedis("127.0.0.1", child.port(), 30_000)) {
            fill(j);
            Transaction t = j.multi();
            t.rpush("inmulti", "1", "2");
            t.zadd("zinmulti", 7, "seven");
            t.exec();
        } finally {
            child.process().destroyForcibly();
            child.process().waitFor(30, TimeUnit.SECONDS);
        }
        child = LargeValueCrashTest.start(d);
        try (Jedis j = new Jedis("127.0.0.1", child.port(), 30_000)) {
            check(j);
            assertEquals(List.of("1", "2"), j.lrange("inmulti", 0, -1));
            assertEquals(7.0, j.zscore("zinmulti", "seven"));
        } finally {
            child.process().destroyForcibly();
            child.process().waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void redisPyClient() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        assumeTrue(Files.isExecutable(python), "needs /usr/bin/python3 with Debian's python3-redis");
        Process probe = new ProcessBuilder(python.toString(), "-c", "import redis").start();
        assumeTrue(probe.waitFor() == 0, "needs Debian's python3-redis (apt-get install python3-redis)");
        Path script = dir.resolve("redis_py_client.py");
        try (var in = getClass().getResourceAsStream("redis_py_client.py")) {
            Files.copy(in, script);
        }
        Process p = new ProcessBuilder(python.toString(), script.toString(), String.valueOf(server.port())).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertEquals("ok", out.strip());
    }
}
