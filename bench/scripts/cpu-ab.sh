#!/usr/bin/env bash
# Compares the CPU time per operation of the hook, map and kernel benchmark bodies between a base revision and the
# working tree, in alternating runs (base, new, base, new...), and prints each body's median figures and the median
# of the per-round ratios new/base. Thread CPU time, not wall time: usable on a machine shared with other work.
# Usage: bench/scripts/cpu-ab.sh BASE_REV [ROUNDS=3] [GROUPS=hook,map,kernel]
#   BASE_JAR=...  the base build's bench/target/benchmarks.jar, already built (BASE_REV then only names it)
# Builds run at low priority (nice), so that they slow down other work on a shared machine as little as possible.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)"
. "$root/bin/java-env"
base_rev="${1:?usage: cpu-ab.sh BASE_REV [ROUNDS] [GROUPS]}"; rounds="${2:-3}"; groups="${3:-hook,map,kernel}"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
if [ -n "${BASE_JAR:-}" ]; then
    base_jar="$BASE_JAR"
    (cd "$root" && nice -n 10 ./mvnw -q -B -pl bench -am package -DskipTests >&2)
else
    mkdir "$work/base" && git -C "$root" archive "$base_rev" | tar -x -C "$work/base"
    ln -s "$(readlink -f "$root/../shared")" "$work/shared"
    for tree in "$work/base" "$root"; do (cd "$tree" && nice -n 10 ./mvnw -q -B -pl bench -am package -DskipTests >&2); done
    base_jar="$work/base/bench/target/benchmarks.jar"
fi
# The runner comes from the working tree; the code it measures from each build.
mkdir -p "$work/runner/dev/bypass/bench" && cp "$root"/bench/target/classes/dev/bypass/bench/CpuTimePerOp*.class "$work/runner/dev/bypass/bench/"
for r in $(seq 1 "$rounds"); do
  for side in base new; do
    jar="$root/bench/target/benchmarks.jar"; [ "$side" = base ] && jar="$base_jar"
    "$BYPASS_JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Dbypass.shared="$root/../shared" \
        -cp "$work/runner:$jar" dev.bypass.bench.CpuTimePerOp ${groups//,/ } > "$work/$side-$r.tsv"
    echo "round $r $side done (load average $(cut -d' ' -f1 /proc/loadavg))" >&2
  done
done
python3 - "$work" "$rounds" <<'PY'
import sys, statistics
work, rounds = sys.argv[1], int(sys.argv[2])
def load(f): return {l.split("\t")[0]: float(l.split("\t")[1]) for l in open(f) if "\t" in l}
base = [load(f"{work}/base-{r}.tsv") for r in range(1, rounds + 1)]
new = [load(f"{work}/new-{r}.tsv") for r in range(1, rounds + 1)]
print("| body | base ns/op | new ns/op | new / base (median of rounds) | per round |")
print("|---|---|---|---|---|")
for k in base[0]:
    if not all(k in n for n in new): continue
    b = [x[k] for x in base]; n = [x[k] for x in new]; q = [y / x for x, y in zip(b, n)]
    print(f"| {k} | {statistics.median(b):.1f} | {statistics.median(n):.1f} | {statistics.median(q):.2f}x | {' '.join(f'{v:.2f}' for v in q)} |")
PY
