"""redis-py (Debian python3-redis) against the store's RESP server: handshake, types, pipeline, MULTI/EXEC, WATCH, errors.
Usage: python3 redis_py_client.py PORT. Prints 'ok' and exits 0 when every check passed."""
import sys
import redis

r = redis.Redis(host="127.0.0.1", port=int(sys.argv[1]), decode_responses=True)
assert r.ping() is True
r.client_setname("redis-py")
assert r.client_getname() == "redis-py"
assert r.set("s", "v") is True
assert r.get("s") == "v"
assert r.set("s", "w", nx=True) is None
assert r.rpush("l", "a", "b", "c") == 3
assert r.lrange("l", 0, -1) == ["a", "b", "c"]
assert r.lindex("l", -1) == "c"
assert r.lrem("l", 0, "b") == 1
assert r.llen("l") == 2
assert r.sadd("set", "x", "y", "x") == 2
assert r.smembers("set") == {"x", "y"}
assert r.sinter("set", "set") == {"x", "y"}
assert r.zadd("z", {"a": 1, "b": 2.5}) == 2
assert r.zrange("z", 0, -1, withscores=True) == [("a", 1.0), ("b", 2.5)]
assert r.zrangebyscore("z", "(1", "+inf") == ["b"]
assert r.zincrby("z", 1, "a") == 2.0
assert r.zrank("z", "b") == 1
assert r.hset("h", mapping={"f": "1", "g": "2"}) == 2
assert r.hgetall("h") == {"f": "1", "g": "2"}
assert r.type("z") == "zset"
assert r.expire("s", 100) is True and 90 < r.ttl("s") <= 100
assert r.persist("s") is True and r.ttl("s") == -1
keys = set()
for k in r.scan_iter(match="*", count=2):
    keys.add(k)
assert keys == {"s", "l", "set", "z", "h"}, keys
assert set(r.scan_iter(_type="zset")) == {"z"}
p = r.pipeline(transaction=False)
p.incr("n").incr("n").get("n")
assert p.execute() == [1, 2, "2"]
with r.pipeline() as t:
    t.watch("n")
    t.multi()
    t.incr("n")
    t.lpush("l", "front")
    assert t.execute() == [3, 3]
try:
    r.lpush("s", "x")
    raise AssertionError("WRONGTYPE expected")
except redis.ResponseError as e:
    assert str(e).startswith("WRONGTYPE"), str(e)
try:
    r.incr("s")
    raise AssertionError("not an integer expected")
except redis.ResponseError as e:
    assert str(e) == "value is not an integer or out of range", str(e)
info = r.info()
assert info["redis_version"] and info["db0"]["keys"] >= 5, info
assert r.dbsize() >= 5
print("ok")
