#!/usr/bin/env bash
# redis-benchmark against `bypass store serve` and against redis-server (Debian package redis-server), side by
# side, while a BGSAVE runs every few seconds on each. Both persist: this server with its log (sync policy
# interval, like appendfsync everysec) and checkpoints, redis-server with RDB snapshots (fork) and AOF everysec.
# Prints throughput and p50/p99/max latency per test for both. The server JVM runs with BYPASS_JAVA_OPTS
# (default: a 2 GB heap) and BYPASS_SERVE_OPTS (e.g. "--threads 4").
# Usage: bench/scripts/store-vs-redis.sh [requests=200000] [clients=50] [bgsave-every-seconds=3] [keyspace=100000]
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)"
. "$root/bin/java-env"
requests="${1:-200000}"; clients="${2:-50}"; every="${3:-3}"; keyspace="${4:-100000}"
command -v redis-server >/dev/null && command -v redis-benchmark >/dev/null || { echo "needs redis-server and redis-tools (Debian packages)" >&2; exit 2; }
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
bport=6390; rport=6391
BYPASS_JAVA_OPTS="${BYPASS_JAVA_OPTS:--Xmx2g}" "$root/bypass" store serve --port "$bport" --dir "$work/bypass" --sync interval ${BYPASS_SERVE_OPTS:-} > "$work/bypass.out" 2> "$work/bypass.err" &
pids+=($!)
redis-server --port "$rport" --bind 127.0.0.1 --dir "$work" --save "" --appendonly yes --appendfsync everysec --daemonize no > "$work/redis.log" 2>&1 &
pids+=($!)
for i in $(seq 1 200); do
    grep -q '^ready ' "$work/bypass.out" 2>/dev/null && redis-cli -p "$rport" ping >/dev/null 2>&1 && break
    sleep 0.1
done
grep -q '^ready ' "$work/bypass.out" || { echo "bypass store serve did not start:" >&2; cat "$work/bypass.err" >&2; exit 1; }
bgsave_loop() { while sleep "$every"; do redis-cli -p "$1" bgsave >/dev/null 2>&1 || true; done; }
run() {
    local port=$1 name=$2
    # fill the keyspace first so BGSAVE has data to write, and warm up (JIT) with one unmeasured pass
    redis-benchmark -p "$port" -t set -n "$keyspace" -r "$keyspace" -d 100 -c "$clients" -q >/dev/null 2>&1
    redis-benchmark -p "$port" -t set,get,incr,hset,lpush,sadd,zadd -n "$requests" -r "$keyspace" -d 100 -c "$clients" -q >/dev/null 2>&1
    bgsave_loop "$port" & local loop=$!
    redis-benchmark -p "$port" -t set,get,incr,hset,lpush,sadd,zadd -n "$requests" -r "$keyspace" -d 100 -c "$clients" --csv 2>/dev/null \
        | tail -n +2 | sed "s/^/\"$name\",/"
    kill "$loop" 2>/dev/null || true
}
{
    run "$bport" bypass
    run "$rport" redis
} > "$work/results.csv"
python3 - "$work/results.csv" "$requests" "$clients" "$every" <<'PY'
import csv, sys
rows = {}
for r in csv.reader(open(sys.argv[1])):
    name, test, rps, avg, mn, p50, p95, p99, mx = r[:9]
    rows[(test, name)] = (float(rps), float(p50), float(p99), float(mx))
print(f"redis-benchmark, {sys.argv[2]} requests, {sys.argv[3]} clients, 100-byte values, BGSAVE every {sys.argv[4]} s on both")
print("| test | bypass req/s | redis req/s | ratio | bypass p50 / p99 / max ms | redis p50 / p99 / max ms |")
print("|---|---|---|---|---|---|")
for test in sorted({t for t, _ in rows}):
    b, r = rows.get((test, "bypass")), rows.get((test, "redis"))
    if not b or not r: continue
    print(f"| {test} | {b[0]:,.0f} | {r[0]:,.0f} | {b[0]/r[0]:.2f}x | {b[1]:.2f} / {b[2]:.2f} / {b[3]:.2f} | {r[1]:.2f} / {r[2]:.2f} / {r[3]:.2f} |")
PY
