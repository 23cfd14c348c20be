#!/usr/bin/env bash
# The store's two stability goals, each in RUNS separate JVMs: YCSB-A against H2 MVStore (goal >= 3x) and write
# latency while checkpoints run against steady state (goal p99.9 <= 1.2x). Prints every run's ratio, the median,
# and how many runs met the goal, with the machine's load average before each run.
# Usage: bench/scripts/store-stability.sh [runs=5] [ycsb-seconds=10] [checkpoint-seconds=10] [keys=1000000] [which=both|ycsb|checkpoint]
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)"
. "$root/bin/java-env"
runs="${1:-5}"; ycsb_seconds="${2:-10}"; ckpt_seconds="${3:-10}"; keys="${4:-1000000}"; which="${5:-both}"
jar="${BENCH_JAR:-$root/bench/target/benchmarks.jar}"
[ -f "$jar" ] || { echo "build the benchmarks first: ./mvnw -pl bench -am package -DskipTests" >&2; exit 2; }
java="$BYPASS_JAVA_HOME/bin/java"
load() { cut -d' ' -f1 /proc/loadavg; }
summary() { # name goal-comparison values...
    python3 - "$@" <<'PY'
import sys, statistics
name, op, goal, *vals = sys.argv[1:]
v = [float(x) for x in vals]
met = sum(1 for x in v if (x >= float(goal) if op == ">=" else x <= float(goal)))
print(f"{name}: runs {', '.join(f'{x:.2f}x' for x in v)}; median {statistics.median(v):.2f}x; goal {op} {goal}x met in {met}/{len(v)}")
PY
}
ycsb=(); ckpt=()
for i in $(seq 1 "$runs"); do
  if [ "$which" != checkpoint ]; then
    echo "== YCSB-A run $i (load average $(load))"
    out=$("$java" -Xmx6g -cp "$jar" dev.bypass.bench.store.YcsbComparison "$keys" "$ycsb_seconds" A)
    echo "$out"
    ycsb+=("$(echo "$out" | awk -F'|' '/YCSB-A/ {gsub(/[ x]/, "", $5); print $5}')")
  fi
  if [ "$which" != ycsb ]; then
    echo "== checkpoint latency run $i (load average $(load))"
    out=$("$java" -XX:+UseZGC -Xmx6g -cp "$jar" dev.bypass.bench.store.CheckpointLatency "$keys" "$ckpt_seconds" 0)
    echo "$out"
    ckpt+=("$(echo "$out" | sed -n 's/^p99.9 during checkpoints \/ steady: \([0-9.]*\)x.*/\1/p')")
  fi
done
echo
[ "${#ycsb[@]}" -eq 0 ] || summary "YCSB-A bypass / H2" ">=" 3 "${ycsb[@]}"
[ "${#ckpt[@]}" -eq 0 ] || summary "checkpoint p99.9 / steady p99.9" "<=" 1.2 "${ckpt[@]}"
echo "load average at the end: $(load)"
