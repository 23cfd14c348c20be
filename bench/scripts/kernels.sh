#!/usr/bin/env bash
# Times the six kernels of shared/kernels with JMH for each engine (jit and interpreter with the verifier's facts,
# jit-nofacts without them) and plain Java, and prints a table with ratios.
# With UBPF_RUNNER set, uBPF is timed on the same bytes in the same run (before and after the JMH run, so both see the
# same machine): UBPF_RUNNER is a program taking "CODE MEMORY MODE" (MODE = interp or jit; CODE the raw eBPF bytes,
# MEMORY the input passed as r1/r2) and printing "NANOSECONDS_PER_RUN R0_HEX". It is built outside this repository.
# Usage: bench/scripts/kernels.sh [ENGINES] [JMH options...]   e.g. kernels.sh jit,jit-nofacts,interpreter,java -f 2
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)"
. "$root/bin/java-env"
engines="${1:-jit,jit-nofacts,interpreter,java}"
shift || true
(cd "$root" && JAVA_HOME="$BYPASS_JAVA_HOME" ./mvnw -q -B -pl bench -am package -DskipTests >&2)
jar="$root/bench/target/benchmarks.jar"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
kernels="sum fnv1a xxh64 primes bubble calls"

ubpf_pass() { # $1 = pass number: one line "kernel mode ns r0" per kernel and mode
    for k in $kernels; do
        for mode in interp jit; do
            read -r ns r0 < <("$UBPF_RUNNER" "$work/$k.bin" "$work/$k.mem" "$mode")
            [ "$r0" = "$(cat "$work/$k.expected")" ] || { echo "uBPF $mode returned 0x$r0 on $k" >&2; exit 1; }
            echo "$k $mode $ns" >> "$work/ubpf.$1"
        done
    done
}

load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "load before: $(load)" > "$work/load"
if [ -n "${UBPF_RUNNER:-}" ]; then
    "$BYPASS_JAVA_HOME/bin/java" -cp "$jar" dev.bypass.bench.kernels.ExportKernels "$work"
    ubpf_pass 1
fi
"$BYPASS_JAVA_HOME/bin/java" -jar "$jar" KernelBenchmark -p engine="$engines" \
    -wi 3 -w 1 -i 5 -r 1 -f 1 -rf csv -rff "$work/jmh.csv" "$@" >&2
[ -n "${UBPF_RUNNER:-}" ] && ubpf_pass 2
echo "load after: $(load)" >> "$work/load"
cat "$work/load"
python3 - "$work" <<'PY'
import csv, math, os, sys
work = sys.argv[1]
rows = {}
for r in csv.DictReader(open(os.path.join(work, "jmh.csv"))):
    rows[(r["Param: kernel"], r["Param: engine"])] = float(r["Score"])
ubpf = {}
for p in ("ubpf.1", "ubpf.2"):
    path = os.path.join(work, p)
    if os.path.exists(path):
        for line in open(path):
            k, mode, ns = line.split()
            ubpf.setdefault((k, "uBPF " + mode), []).append(float(ns))
ubpf = {key: sum(v) / len(v) for key, v in ubpf.items()}  # mean of the pass before and the pass after
order = ["jit", "jit-nofacts", "interpreter", "java"]
engines = sorted({e for _, e in rows}, key=lambda e: order.index(e) if e in order else len(order))
kernels = ["sum", "fnv1a", "xxh64", "primes", "bubble", "calls"]
cols = engines + (["uBPF jit", "uBPF interp"] if ubpf else [])
score = lambda k, c: rows.get((k, c)) if not c.startswith("uBPF") else ubpf.get((k, c))
ratios = [(a, b) for a, b in [("jit", "java"), ("jit-nofacts", "java"), ("jit", "uBPF jit"), ("jit-nofacts", "uBPF jit"),
                              ("interpreter", "uBPF interp")] if a in cols and b in cols]
def fmt(ns): return "-" if ns is None else f"{ns/1e6:.2f} ms" if ns >= 1e6 else f"{ns/1e3:.2f} µs" if ns >= 1e3 else f"{ns:.1f} ns"
hdr = "| kernel | " + " | ".join(cols) + " | " + " | ".join(f"{a} / {b}" for a, b in ratios) + " |"
print(hdr)
print("|" + "---|" * (hdr.count("|") - 1))
logs = {r: [] for r in ratios}
for k in kernels:
    cells = [fmt(score(k, c)) for c in cols]
    rs = []
    for a, b in ratios:
        x, y = score(k, a), score(k, b)
        if x is None or y is None or (b == "java" and k == "calls"):  # C2 folds the plain Java calls kernel away
            rs.append("-")
            continue
        rs.append(f"{x / y:.2f}x")
        if k != "calls":
            logs[(a, b)].append(math.log(x / y))
    print(f"| {k} | " + " | ".join(cells) + " | " + " | ".join(rs) + " |")
geo = [f"{math.exp(sum(v) / len(v)):.2f}x" if v else "-" for v in logs.values()]
print("| geomean (sum, fnv1a, xxh64, primes, bubble) | " + " | ".join("" for _ in cols) + " | " + " | ".join(geo) + " |")
PY
