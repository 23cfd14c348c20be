package dev.bypass.txnstore.resp;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.txnstore.Store;
import dev.bypass.txnstore.StoreOptions;
import dev.bypass.txnstore.SyncPolicy;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.Transaction;
import redis.clients.jedis.exceptions.JedisDataException;

/** Real client libraries against the server: Jedis 8 (RESP2 and RESP3) and Lettuce 7 (which negotiates RESP3). */
class ClientLibrariesTest extends ServerFixture {



    @Test
    void jedisDataTypesPipelinesTransactionsAndErrors() {
        try (Jedis j = new Jedis("127.0.0.1", server.port(), 30_000)) {
            assertEquals("PONG", j.ping());
            j.clientSetname("jedis-test");
            assertEquals("jedis-test", j.clientGetname());
            assertEquals("OK", j.set("s", "v"));
            assertEquals("v", j.get("s"));
            assertEquals(3, j.lpush("l", "a", "b", "c"));
            assertEquals(List.of("c", "b", "a"), j.lrange("l", 0, -1));
            assertEquals("c", j.lpop("l"));
            assertEquals("a", j.rpop("l"));
            assertEquals(1, j.llen("l"));
            assertEquals(2, j.sadd("set", "x", "y"));
            assertEquals(Set.of("x", "y"), j.smembers("set"));
            assertTrue(j.sismember("set", "x"));
            assertEquals(1, j.zadd("z", 2.5, "m"));
            assertEquals(1, j.zadd("z", 1, "n"));
            assertEquals(2.5, j.zscore("z", "m"));
            assertEquals(List.of("n", "m"), j.zrange("z", 0, -1));
            assertEquals(0L, j.zrank("z", "n"));
            assertEquals(Map.of("f", "1"), Map.of("f", "1"));
            j.hset("h", "f", "1");
            assertEquals(Map.of("f", "1"), j.hgetAll("h"));
            JedisDataException wrong = assertThrows(JedisDataException.class, () -> j.lpush("s", "x"));
            assertTrue(wrong.getMessage().startsWith("WRONGTYPE"), wrong.getMessage());
            assertEquals(1, j.expire("s", 100));
            assertTrue(j.ttl("s") > 90);

            Pipeline p = j.pipelined();
            Response<Long> a = p.incr("n");
            Response<Long> b = p.incr("n");
            Response<String> g = p.get("n");
            p.sync();
            assertEquals(1L, a.get());
            assertEquals(2L, b.get());
            assertEquals("2", g.get());

            j.watch("n");
            Transaction t = j.multi();
            t.incr("n");
            t.sadd("set", "z");
            List<Object> results = t.exec();
            assertEquals(List.of(3L, 1L), results);
        }
        try (Jedis j = new Jedis(redis.clients.jedis.HostAndPort.from("127.0.0.1:" + server.port()),
                redis.clients.jedis.DefaultJedisClientConfig.builder().socketTimeoutMillis(30_000).protocol(redis.clients.jedis.RedisProtocol.RESP3).build())) {
            assertEquals("v", j.get("s"));
            assertEquals(Map.of("f", "1"), j.hgetAll("h"));
            assertEquals(2.5, j.zscore("z", "m"));
        }
    }

    @Test
    void lettuceNegotiatesResp3AndRunsCommandsAndTransactions() {
        RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", server.port()));
        try (StatefulRedisConnection<String, String> conn = client.connect()) {
            RedisCommands<String, String> r = conn.sync();
            assertEquals("PONG", r.ping());
            assertEquals("OK", r.set("k", "v"));
            assertEquals("v", r.get("k"));
            assertEquals(2L, r.rpush("l", "a", "b"));
            assertEquals(List.of("a", "b"), r.lrange("l", 0, -1));
            assertEquals(1L, r.sadd("s", "m"));
            assertEquals(Set.of("m"), r.smembers("s"));
            r.zadd("z", 1.5, "a");
            assertEquals(1.5, r.zscore("z", "a"));
            r.hset("h", Map.of("f", "v"));
            assertEquals(Map.of("f", "v"), r.hgetall("h"));
            assertEquals("hash", r.type("h"));
            assertEquals(1L, (long) r.exists("k"));
            r.multi();
            r.incr("c");
            r.get("c");
            var res = r.exec();
            assertFalse(res.wasDiscarded());
            assertEquals(1L, (Long) res.get(0));
            assertEquals("1", res.get(1));
            var e = assertThrows(io.lettuce.core.RedisCommandExecutionException.class, () -> r.incr("k"));
            assertEquals("ERR value is not an integer or out of range", e.getMessage());
        } finally {
            client.shutdown();
        }
    }
}
