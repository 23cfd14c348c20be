#!/usr/bin/env bash
# The replicated store against the single node: redis-benchmark (SET and INCR, 100-byte values, random keys) on
# `bypass store serve --sync always` and on the leader of three `bypass store serve --cluster` replicas on loopback,
# alternating, then failover: the leader is killed with SIGKILL KILLS times while a client writes unique keys
# through the other replicas and retries; it prints, per kill, the time from the kill to the first acknowledged
# commit on the new leader, and at the end checks that every acknowledged key is on every replica.
# Usage: bench/scripts/store-replicated.sh [requests=50000] [clients=50] [kills=20 (0: throughput only)] [rounds=2 (0: failover only)] [election-ms=500]
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)"
. "$root/bin/java-env"
requests="${1:-50000}"; clients="${2:-50}"; kills="${3:-20}"; rounds="${4:-2}"; election="${5:-500}"
command -v redis-benchmark >/dev/null || { echo "needs redis-benchmark (Debian package redis-tools)" >&2; exit 2; }
py=$(command -v /usr/bin/python3 || command -v python3)   # Debian's, where python3-redis installs
"$py" -c 'import redis' 2>/dev/null || { echo "needs python3-redis (Debian package)" >&2; exit 2; }
work=$(mktemp -d)
declare -A pid
cleanup() {
    for p in "${pid[@]}"; do kill -9 "$p" 2>/dev/null || true; done
    for p in $(pgrep -f -- "--dir $work/" || true); do kill -9 "$p" 2>/dev/null || true; done   # replicas restarted by the failover part
    wait 2>/dev/null || true; rm -rf "$work"
}
trap cleanup EXIT
"$root/bypass" --help >/dev/null   # builds the jar once, before anything is timed

wait_ready() { for _ in $(seq 1 600); do grep -q '^ready ' "$1" 2>/dev/null && return 0; sleep 0.1; done; echo "not ready: $1" >&2; cat "${1%.out}.err" >&2; exit 1; }
single() {
    rm -rf "$work/single"
    BYPASS_JAVA_OPTS="${BYPASS_JAVA_OPTS:--Xmx1g}" "$root/bypass" store serve --port 6400 --dir "$work/single" --sync always > "$work/single.out" 2> "$work/single.err" &
    pid[single]=$!
    wait_ready "$work/single.out"
}
peers="127.0.0.1:6411,127.0.0.1:6412,127.0.0.1:6413"
replica() { # replica N [fresh]
    local n=$1
    [ "${2:-}" = fresh ] && rm -rf "$work/r$n"
    BYPASS_JAVA_OPTS="${BYPASS_JAVA_OPTS:--Xmx1g}" "$root/bypass" store serve --port $((6400 + n)) --dir "$work/r$n" \
        --cluster "$n" --peers "$peers" --election-timeout "$election" > "$work/r$n.out" 2> "$work/r$n.err" &
    pid[r$n]=$!
    wait_ready "$work/r$n.out"
}
# A replica's own role: READONLY must be the connection's first command (else the connection is relayed to the
# leader, which would answer for it), and redis-cli sends COMMAND DOCS first: ask over a plain socket.
role() {
    "$py" - "$1" <<'PY' 2>/dev/null
import re, socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
s.sendall(b"*1\r\n$8\r\nREADONLY\r\n*2\r\n$4\r\nINFO\r\n$11\r\nreplication\r\n")
data = b""
while b"lag:" not in data:
    chunk = s.recv(65536)
    if not chunk: break
    data += chunk
m = re.search(rb"role:(\w+)", data)
print(m.group(1).decode() if m else "")
PY
}
leader() { for _ in $(seq 1 600); do for n in 1 2 3; do
    [ -n "${pid[r$n]:-}" ] && [ "$(role $((6400 + n)))" = leader ] && { echo $n; return; }
    done; sleep 0.1; done; echo "no leader" >&2; exit 1; }
# Both tests as many times as measured first: the JIT compilers of three JVMs otherwise take a large share of the
# two cores during the measurement (41% of the replicas' CPU in a run of 20,000 INCR after 20,000 SET).
warm_up() { redis-benchmark -p "$1" -t set,incr -n "$requests" -r 100000 -d 100 -c "$clients" -q >/dev/null 2>&1; }
bench() { # port name
    redis-benchmark -p "$1" -t set,incr -n "$requests" -r 100000 -d 100 -c "$clients" --csv 2>/dev/null | tail -n +2 | sed "s/^/\"$2\",/"
}
: > "$work/results.csv"
for round in $(seq 1 "$rounds"); do
    single
    warm_up 6400
    bench 6400 single >> "$work/results.csv"
    kill -9 "${pid[single]}"; wait "${pid[single]}" 2>/dev/null || true; unset 'pid[single]'
    for n in 1 2 3; do replica $n fresh & done; wait
    for n in 1 2 3; do pid[r$n]=$(pgrep -f -- "--dir $work/r$n " | head -1); done
    l=$(leader)
    warm_up $((6400 + l))
    bench $((6400 + l)) replicated >> "$work/results.csv"
    if [ "$round" -lt "$rounds" ]; then for n in 1 2 3; do kill -9 "${pid[r$n]}"; unset "pid[r$n]"; done; wait 2>/dev/null || true; fi
    for n in 1 2 3; do grep -q '^ready ' "$work/r$n.out" || { echo "replica $n did not start" >&2; exit 1; }; done
done
if [ "$rounds" = 0 ]; then   # failover only
    for n in 1 2 3; do replica $n fresh & done; wait
    for n in 1 2 3; do grep -q '^ready ' "$work/r$n.out" || { echo "replica $n did not start" >&2; exit 1; }; done
fi
load=$(cut -d' ' -f1-3 /proc/loadavg)
"$py" - "$work/results.csv" "$requests" "$clients" "$rounds" "$load" <<'PY'
import csv, sys, statistics
rows = {}
for r in csv.reader(open(sys.argv[1])):
    name, test, rps, avg, mn, p50, p95, p99, mx = r[:9]
    rows.setdefault((test, name), []).append((float(rps), float(p50), float(p99)))
print(f"redis-benchmark, {sys.argv[2]} requests, {sys.argv[3]} clients, 100-byte values, {sys.argv[4]} alternating rounds (medians); load average {sys.argv[5]}")
print("| test | single node (sync always) req/s | 3 replicas req/s | ratio | single p50 / p99 ms | replicated p50 / p99 ms |")
print("|---|---|---|---|---|---|")
for test in sorted({t for t, _ in rows}):
    s, r = rows.get((test, "single")), rows.get((test, "replicated"))
    if not s or not r: continue
    med = lambda xs, i: statistics.median(x[i] for x in xs)
    print(f"| {test} | {med(s,0):,.0f} | {med(r,0):,.0f} | {med(r,0)/med(s,0):.2f}x | {med(s,1):.2f} / {med(s,2):.2f} | {med(r,1):.2f} / {med(r,2):.2f} |")
PY

[ "$kills" = 0 ] && exit 0   # throughput only
# failover: a writer through the replicas while the leader is killed KILLS times
"$py" - "$kills" "$work" "$root" "$peers" "$election" <<'PY'
import os, re, signal, socket, statistics, subprocess, sys, threading, time
import redis
kills, work, root, peers, election = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
ports = {n: 6400 + n for n in (1, 2, 3)}

def pid_of(n):
    out = subprocess.run(["pgrep", "-f", "--", f"--dir {work}/r{n} "], capture_output=True, text=True).stdout.split()
    return int(out[0]) if out else None

def role(n):
    try:
        s = socket.create_connection(("127.0.0.1", ports[n]), timeout=2)
        s.sendall(b"*1\r\n$8\r\nREADONLY\r\n*2\r\n$4\r\nINFO\r\n$11\r\nreplication\r\n")
        data = b""
        deadline = time.time() + 2
        while b"lag:" not in data and time.time() < deadline:
            data += s.recv(65536)
        s.close()
        m = re.search(rb"role:(\w+)", data)
        return m.group(1).decode() if m else None
    except OSError:
        return None

def leader():
    for _ in range(600):
        for n in ports:
            if role(n) == "leader":
                return n
        time.sleep(0.05)
    sys.exit("no leader")

def start(n):
    env = dict(os.environ, BYPASS_JAVA_OPTS=os.environ.get("BYPASS_JAVA_OPTS", "-Xmx1g"))
    out = open(f"{work}/r{n}.out", "w")
    subprocess.Popen([f"{root}/bypass", "store", "serve", "--port", str(ports[n]), "--dir", f"{work}/r{n}", "--cluster", str(n),
                      "--peers", peers, "--election-timeout", election], stdout=out, stderr=open(f"{work}/r{n}.err", "w"), env=env)
    for _ in range(1200):
        if open(f"{work}/r{n}.out").read().startswith("ready "):
            return
        time.sleep(0.1)
    sys.exit(f"replica {n} did not restart")

acked, stop = [], threading.Event()
def writer():
    i = 0
    while not stop.is_set():
        for n in ports:
            try:
                r = redis.Redis(port=ports[n], socket_timeout=10, socket_connect_timeout=2)
                while not stop.is_set():
                    i += 1
                    sent = time.time()
                    r.set(f"f{i}", i)
                    acked.append((sent, time.time(), f"f{i}"))
            except Exception:
                time.sleep(0.01)
w = threading.Thread(target=writer); w.start()
times = []
for k in range(kills):
    time.sleep(1.0)
    l = leader()
    p = pid_of(l)
    t0 = time.time()
    os.kill(p, signal.SIGKILL)
    # the first commit sent after the kill (one sent before may still be acknowledged by the old leader)
    while not any(s > t0 for s, _, _ in acked[-50:]):
        time.sleep(0.005)
    first = min(t for s, t, _ in acked[-50:] if s > t0)
    times.append(first - t0)
    print(f"kill {k + 1}: leader n{l} killed, first commit after {1000 * (first - t0):.0f} ms", flush=True)
    start(l)
stop.set(); w.join()
time.sleep(3)
def lost_on(n):
    s = socket.create_connection(("127.0.0.1", ports[n]), timeout=10)
    s.sendall(b"*1\r\n$8\r\nREADONLY\r\n")  # served by the replica itself: its own copy
    f = s.makefile("rb")
    f.readline()
    lost = 0
    for _, _, key in acked:
        k = key.encode()
        s.sendall(b"*2\r\n$3\r\nGET\r\n$%d\r\n%s\r\n" % (len(k), k))
        if f.readline().startswith(b"$-1"):
            lost += 1
        else:
            f.readline()
    s.close()
    return lost
missing = {}
for n in ports:
    deadline = time.time() + 60  # a replica restarted last may still be catching up
    while (lost := lost_on(n)) and time.time() < deadline:
        time.sleep(1)
    missing[n] = lost
ms = sorted(1000 * t for t in times)
print(f"failover (kill to first acknowledged commit on the new leader), {len(ms)} kills, election timeout {election} ms "
      f"(randomized up to {2 * int(election)} ms): min {ms[0]:.0f} ms, median {statistics.median(ms):.0f} ms, max {ms[-1]:.0f} ms; "
      f"load average {open('/proc/loadavg').read().split()[0]}")
print(f"acknowledged commits: {len(acked)}; missing per replica: {missing}")
if any(missing.values()):
    sys.exit("acknowledged commits are missing")
PY
