#!/usr/bin/env bash
# Heap bytes allocated per request by `bypass store serve`, per command: redis-benchmark runs each command once to
# warm up, then again while the server's total allocated bytes (all threads, read through the Attach API) are taken
# before and after. CHECKOUT (default: this one) selects whose ./bypass runs, to compare builds with one probe.
# Usage: bench/scripts/store-alloc.sh [requests=200000] [clients=50] [checkout=.] [tests=set,get,incr,hset,lpush,sadd,zadd]
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)"
. "$root/bin/java-env"
requests="${1:-200000}"; clients="${2:-50}"; checkout="$(cd "${3:-$root}" && pwd)"; tests="${4:-set,get,incr,hset,lpush,sadd,zadd}"
jar="$root/bench/target/benchmarks.jar"
[ -f "$jar" ] || { echo "build the benchmarks first: ./mvnw -pl bench -am package -DskipTests" >&2; exit 2; }
work=$(mktemp -d); port=6392
"$checkout/bypass" store serve --port "$port" --dir "$work/data" --sync interval > "$work/out" 2> "$work/err" &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
for i in $(seq 1 300); do grep -q '^ready ' "$work/out" 2>/dev/null && break; sleep 0.1; done
grep -q '^ready ' "$work/out" || { cat "$work/err" >&2; exit 1; }
jpid=$(pgrep -P "$pid" java || echo "$pid")
probe() { "$BYPASS_JAVA_HOME/bin/java" -cp "$jar" dev.bypass.bench.store.AllocationProbe "$jpid"; }
echo "| command | bytes allocated per request |"
echo "|---|---|"
for t in ${tests//,/ }; do
    redis-benchmark -p "$port" -t "$t" -n "$requests" -r 100000 -d 100 -c "$clients" -q > /dev/null 2>&1
    before=$(probe)
    redis-benchmark -p "$port" -t "$t" -n "$requests" -r 100000 -d 100 -c "$clients" -q > /dev/null 2>&1
    after=$(probe)
    echo "| $t | $(( (after - before) / requests )) |"
done
