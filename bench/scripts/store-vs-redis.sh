#!/usr/bin/env bash
# redis-benchmark against `bypass store serve` and against redis-server (Debian package redis-server), side by
# side, while a BGSAVE runs every few seconds on each. Both persist: this server with its log (sync policy
# interval, like appendfsync everysec) and checkpoints, redis-server with RDB snapshots (fork) and AOF everysec.
# Both servers are filled and warmed up once, then measured in ROUNDS rounds whose order alternates (Bypass first
# in odd rounds, redis-server first in even ones), so a change of the machine's load falls on both. Prints, per test,
# the median throughput of each, every round's ratio, and median p50/p99 and the largest maximum latency, with the
# load average at each round. The server JVM runs with BYPASS_JAVA_OPTS (default: a 2 GB heap) and
# BYPASS_SERVE_OPTS (e.g. "--threads 4").
# Usage: bench/scripts/store-vs-redis.sh [requests=200000] [clients=50] [bgsave-every-seconds=3] [keyspace=100000] [rounds=2]
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)"
. "$root/bin/java-env"
requests="${1:-200000}"; clients="${2:-50}"; every="${3:-3}"; keyspace="${4:-100000}"; rounds="${5:-2}"
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
tests=set,get,incr,hset,lpush,sadd,zadd
warm() {
    # fill the keyspace first so BGSAVE has data to write, and warm up (JIT) with one unmeasured pass
    redis-benchmark -p "$1" -t set -n "$keyspace" -r "$keyspace" -d 100 -c "$clients" -q >/dev/null 2>&1
    redis-benchmark -p "$1" -t "$tests" -n "$requests" -r "$keyspace" -d 100 -c "$clients" -q >/dev/null 2>&1
}
run() {
    local port=$1 name=$2 round=$3
    bgsave_loop "$port" & local loop=$!
    redis-benchmark -p "$port" -t "$tests" -n "$requests" -r "$keyspace" -d 100 -c "$clients" --csv 2>/dev/null \
        | tail -n +2 | sed "s/^/\"$name\",\"$round\",/"
    kill "$loop" 2>/dev/null || true
}
warm "$bport"
warm "$rport"
loads=()
for round in $(seq 1 "$rounds"); do
    loads+=("$(cut -d' ' -f1 /proc/loadavg)")
    if [ $((round % 2)) -eq 1 ]; then
        run "$bport" bypass "$round"; run "$rport" redis "$round"
    else
        run "$rport" redis "$round"; run "$bport" bypass "$round"
    fi
done > "$work/results.csv"
python3 - "$work/results.csv" "$requests" "$clients" "$every" "${loads[*]}" <<'PY'
import csv, sys, statistics
rows = {}
for r in csv.reader(open(sys.argv[1])):
    name, rnd, test, rps, avg, mn, p50, p95, p99, mx = r[:10]
    rows.setdefault((test, name), {})[int(rnd)] = (float(rps), float(p50), float(p99), float(mx))
print(f"redis-benchmark, {sys.argv[2]} requests, {sys.argv[3]} clients, 100-byte values, BGSAVE every {sys.argv[4]} s on both; "
      f"rounds alternate (load average at each round: {sys.argv[5]})")
print("| test | bypass req/s | redis req/s | ratio (median; each round) | bypass p50 / p99 / max ms | redis p50 / p99 / max ms |")
print("|---|---|---|---|---|---|")
med = statistics.median
for test in sorted({t for t, _ in rows}):
    b, r = rows.get((test, "bypass")), rows.get((test, "redis"))
    if not b or not r: continue
    common = sorted(set(b) & set(r))
    ratios = [b[i][0] / r[i][0] for i in common]
    def lat(x): return f"{med(v[1] for v in x.values()):.2f} / {med(v[2] for v in x.values()):.2f} / {max(v[3] for v in x.values()):.2f}"
    print(f"| {test} | {med(v[0] for v in b.values()):,.0f} | {med(v[0] for v in r.values()):,.0f} | {med(ratios):.2f}x; "
          + ", ".join(f"{x:.2f}" for x in ratios) + f" | {lat(b)} | {lat(r)} |")
PY
