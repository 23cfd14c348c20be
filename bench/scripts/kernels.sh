#!/usr/bin/env bash
# Times the six kernels of shared/kernels with JMH for each engine and plain Java, and prints a table next to
# uBPF's reference figures (interpreter and x86-64 JIT, median ns per run on the same machine kind).
# Usage: bench/scripts/kernels.sh [ENGINES] [JMH options...]   e.g. kernels.sh interpreter,jit,java -f 2
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)"
. "$root/bin/java-env"
engines="${1:-interpreter,java}"
shift || true
(cd "$root" && JAVA_HOME="$BYPASS_JAVA_HOME" ./mvnw -q -B -pl bench -am package -DskipTests >&2)
out=$(mktemp)
"$BYPASS_JAVA_HOME/bin/java" -jar "$root/bench/target/benchmarks.jar" KernelBenchmark -p engine="$engines" \
    -wi 3 -w 1 -i 5 -r 1 -f 1 -rf csv -rff "$out" "$@" >&2
python3 - "$out" <<'PY'
import csv, sys
ubpf = {"sum": (12272551, 270712), "fnv1a": (93218, 4777), "xxh64": (25989, 661),
        "primes": (4335173, 737885), "bubble": (87931, 1452), "calls": (3263442, 162421)}
rows = {}
for r in csv.DictReader(open(sys.argv[1])):
    rows[(r["Param: kernel"], r["Param: engine"])] = float(r["Score"])
engines = sorted({e for _, e in rows})
def fmt(ns): return f"{ns/1e6:.2f} ms" if ns >= 1e6 else f"{ns/1e3:.2f} µs" if ns >= 1e3 else f"{ns:.1f} ns"
hdr = "| kernel | " + " | ".join(engines) + " | uBPF interp | uBPF JIT | " + " | ".join(f"{e} / uBPF {'JIT' if e != 'interpreter' else 'interp'}" for e in engines) + " |"
print(hdr)
print("|" + "---|" * (hdr.count("|") - 1))
for k in ubpf:
    cells = [fmt(rows[(k, e)]) if (k, e) in rows else "-" for e in engines]
    ratios = []
    for e in engines:
        ref = ubpf[k][0] if e == "interpreter" else ubpf[k][1]
        ratios.append(f"{rows[(k, e)]/ref:.2f}x" if (k, e) in rows else "-")
    print(f"| {k} | " + " | ".join(cells) + f" | {fmt(ubpf[k][0])} | {fmt(ubpf[k][1])} | " + " | ".join(ratios) + " |")
PY
