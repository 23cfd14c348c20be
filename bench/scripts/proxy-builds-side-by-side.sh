#!/usr/bin/env bash
# Two builds of the proxy side by side on one PostgreSQL: the same pgbench workload through each, alternately (or
# both at once with CONC=1, half the clients each, so that both see the same machine load at every moment).
# Per run and build: TPS, the proxy process's CPU per transaction (user + system, all threads, from /proc), the event
# loop threads' user and system CPU per transaction, and with PERF=1 the system calls and io_uring submissions per
# transaction (perf's tracepoints). Meant for telling a regression from the machine's noise: CPU and submissions per
# transaction move far less with the load than TPS does.
# Usage: bench/scripts/proxy-builds-side-by-side.sh JAR_A JAR_B [ROUNDS] [SECONDS] [PGBENCH_ARGS]
#        e.g. JAR_A = an older checkout's cli/target/bypass.jar, JAR_B = this one's; PGBENCH_ARGS default "-c 200 -M simple"
#        (TPC-B); WARMUP=30 seconds through each before the runs; SCALE=10; POOL=20; CONC=1; PERF=1
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)"
jar_a="${1:?JAR_A (bypass.jar of the first build)}" jar_b="${2:?JAR_B (bypass.jar of the second build)}"
rounds="${3:-3}" secs="${4:-10}" args="${5:--c 200 -M simple}"
warmup="${WARMUP:-30}" scale="${SCALE:-10}" pool="${POOL:-20}"
. "$root/bin/java-env"
. "$root/bench/scripts/lib/pooler-ini.sh"
java=("$BYPASS_JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED ${BYPASS_JAVA_OPTS:-})
work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# PostgreSQL from the second build's demo (its own proxy stays idle)
"${java[@]}" -Djdk.attach.allowAttachSelf=true -XX:+EnableDynamicAgentLoading -Xshare:off -jar "$jar_b" demo --port 0 --metrics-port 0 \
    --seconds 100000 > "$work/demo.out" 2> "$work/demo.err" &
pids+=($!)
for _ in $(seq 1 120); do grep -q "^PostgreSQL" "$work/demo.out" 2>/dev/null && break; sleep 1; done
pg_port=$(sed -n 's/^PostgreSQL 127.0.0.1:\([0-9]*\).*/\1/p' "$work/demo.out")
[ -n "$pg_port" ] || { echo "the demo did not start:" >&2; cat "$work/demo.err" >&2; exit 1; }
pgbench -q -i -s "$scale" "postgres://app@127.0.0.1:$pg_port/demo" > /dev/null 2>&1

echo '"app" ""' > "$work/userlist.txt"
start_proxy() { # NAME JAR PORT -> pid in $proxy_pid
    pooler_ini "$work/$1.ini" "$pg_port" "$3" "$pool" "$work/userlist.txt"
    "${java[@]}" -jar "$2" proxy --config "$work/$1.ini" > "$work/$1.out" 2> "$work/$1.err" &
    proxy_pid=$!
    pids+=("$proxy_pid")
    for _ in $(seq 1 60); do grep -q "^postgres://" "$work/$1.out" 2>/dev/null && return; sleep 1; done
    echo "proxy $1 did not start:" >&2; cat "$work/$1.err" >&2; exit 1
}
port_a=16451 port_b=16452
start_proxy a "$jar_a" $port_a; pid_a=$proxy_pid
start_proxy b "$jar_b" $port_b; pid_b=$proxy_pid
echo "A: $jar_a ($(grep -o 'transport .*' "$work/a.err" | head -1))"
echo "B: $jar_b ($(grep -o 'transport .*' "$work/b.err" | head -1))"

# user and system ticks of a process, and per thread name (fields counted after the command name, which may hold spaces)
ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
thread_ticks() {
    for t in /proc/"$1"/task/*; do echo "$(tr -c 'A-Za-z\n' '_' < "$t/comm" | sed 's/_*$//') $(sed 's/.*) //' "$t/stat" | awk '{print $12, $13}')"; done 2>/dev/null |
        awk '{u[$1] += $2; s[$1] += $3} END {for (k in u) print k, u[k], s[k]}' | sort
}
hz=$(getconf CLK_TCK)
events="raw_syscalls:sys_enter,syscalls:sys_enter_io_uring_enter,io_uring:io_uring_submit_req,syscalls:sys_enter_futex"
# run PORT PID CLIENT_ARGS: one line of figures
run() {
    local port="$1" pid="$2" a="$3" out tx tps c0 c1 perf_pid="" counts="" threads
    c0=$(ticks "$pid"); thread_ticks "$pid" > "$work/t0.$port"
    [ -n "${PERF:-}" ] && { perf stat -x, -e "$events" -p "$pid" -o "$work/perf.$port" -- sleep "$secs" & perf_pid=$!; }
    out=$(cd "$work" && pgbench -n -T "$secs" -j 2 $a "postgres://app@127.0.0.1:$port/demo" 2>&1) || true
    [ -n "$perf_pid" ] && wait "$perf_pid"
    c1=$(ticks "$pid"); thread_ticks "$pid" > "$work/t1.$port"
    tx=$(echo "$out" | sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p')
    tps=$(echo "$out" | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1)
    [ "${tx:-0}" -gt 0 ] || { echo "no transactions: $(echo "$out" | tail -2 | tr '\n' ' ')"; return; }
    [ -n "$perf_pid" ] && counts=$(awk -F, -v n="$tx" '$1 ~ /^[0-9]+$/ {e = $3; sub(/.*:(sys_enter_)?/, "", e); printf "%s %.2f, ", e, $1 / n}' "$work/perf.$port")
    threads=$(join "$work/t0.$port" "$work/t1.$port" | awk -v n="$tx" -v hz="$hz" '$1 ~ /EventLoop|IoEv|multiThread/ {u += ($4 - $2); s += ($5 - $3)} END {printf "loop %.1f + %.1f", u / hz * 1e6 / n, s / hz * 1e6 / n}')
    awk -v t="$tps" -v d=$((c1 - c0)) -v hz="$hz" -v n="$tx" -v c="$counts" -v th="$threads" \
        'BEGIN {printf "%8.0f TPS  %7.1f µs/tx (%s user + system)  %s\n", t, d / hz * 1e6 / n, th, c}'
}

(cd "$work" && pgbench -n -T "$warmup" -j 2 $args "postgres://app@127.0.0.1:$port_a/demo" > /dev/null 2>&1) || true
(cd "$work" && pgbench -n -T "$warmup" -j 2 $args "postgres://app@127.0.0.1:$port_b/demo" > /dev/null 2>&1) || true
echo "pgbench $args, $secs s per run, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$rounds"); do
    if [ -n "${CONC:-}" ]; then
        # both at once, half the clients each
        half=$(echo "$args" | awk '{for (i = 1; i <= NF; i++) if ($i == "-c") $(i + 1) = int($(i + 1) / 2); print}')
        run $port_a "$pid_a" "$half" > "$work/conc.a" & p=$!
        run $port_b "$pid_b" "$half" > "$work/conc.b"
        wait "$p" || true
        echo "A $(cat "$work/conc.a")"; echo "B $(cat "$work/conc.b")"
    elif [ $((r % 2)) = 1 ]; then
        echo "A $(run $port_a "$pid_a" "$args")"; echo "B $(run $port_b "$pid_b" "$args")"
    else
        echo "B $(run $port_b "$pid_b" "$args")"; echo "A $(run $port_a "$pid_a" "$args")"
    fi
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
