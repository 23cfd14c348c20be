#!/usr/bin/env bash
# Side by side on one PostgreSQL: pgbench straight to PostgreSQL, through PgBouncer (Debian package, transaction
# mode) and through the Bypass proxy (transaction mode, the query_guard program at its query hook), same pool size.
# Prints a markdown table: TPS, p99 latency, CPU per transaction of the pooler process, memory per client.
# Each workload: one run straight to PostgreSQL, a warm-up through each pooler (the JVM compiles the proxy's paths
# for that workload), then REPEAT runs through each pooler alternately; the table shows the median of each column.
# Then (SECTIONS, default "table syscalls machine large"): system calls per transaction of each pooler (perf's syscall
# tracepoints, all threads, during a -S c10 run) with each pooler's per-thread CPU; where the machine's time goes per
# transaction (pooler, PostgreSQL, pgbench, idle) at -S c10 and TPC-B c200; and the large-result case (all
# of pgbench_accounts by SELECT and by COPY TO STDOUT through each pooler: MB/s and pooler CPU per MB).
# Usage: bench/scripts/proxy-vs-pgbouncer.sh [SECONDS_PER_RUN] [SCALE]     (needs pgbench, psql, pgbouncer; perf for syscalls)
#        REPEAT=3 WARMUP=5 (seconds) by default; TRANSPORT=io_uring|epoll|nio forces the proxy's transport;
#        ROWS=REGEX keeps the table's workloads whose label matches
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)"
. "$root/bench/scripts/lib/pooler-ini.sh"
secs="${1:-10}"
scale="${2:-10}"
pool=20
repeat="${REPEAT:-3}"
warmup="${WARMUP:-5}"
command -v pgbench >/dev/null || { echo "pgbench is missing (Debian package postgresql-client or postgresql-contrib)" >&2; exit 2; }
command -v pgbouncer >/dev/null || [ -x /usr/sbin/pgbouncer ] || { echo "pgbouncer is missing (Debian package pgbouncer)" >&2; exit 2; }
PGBOUNCER="$(command -v pgbouncer || echo /usr/sbin/pgbouncer)"
sections="${SECTIONS:-table syscalls machine large}"
rows="${ROWS:-.}"
[ -n "${TRANSPORT:-}" ] && export BYPASS_JAVA_OPTS="${BYPASS_JAVA_OPTS:-} -Dbypass.proxy.transport=$TRANSPORT"
work="$(mktemp -d)"
chmod 777 "$work" # PgBouncer runs as nobody when started by root and writes its log here
cleanup() { [ -n "${demo_pid:-}" ] && kill "$demo_pid" 2>/dev/null; [ -n "${bouncer_pid:-}" ] && kill "$bouncer_pid" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT

# The Bypass demo starts its own PostgreSQL and the proxy in front of it.
bypass_port=16432 bouncer_port=16433
"$root/bypass" demo --port $bypass_port --metrics-port 0 --seconds 100000 > "$work/demo.out" 2> "$work/demo.err" &
demo_pid=$!
for _ in $(seq 1 120); do grep -q "^PostgreSQL" "$work/demo.out" 2>/dev/null && break; sleep 1; done
pg_port=$(sed -n 's/^PostgreSQL 127.0.0.1:\([0-9]*\).*/\1/p' "$work/demo.out")
[ -n "$pg_port" ] || { echo "the demo did not start:" >&2; cat "$work/demo.err" >&2; exit 1; }
proxy_pid=$demo_pid
echo "Bypass $(grep -o 'transport [a-z_]* ([^)]*)' "$work/demo.err" "$work/demo.out" 2>/dev/null | head -1 | cut -d: -f2-); load average $(cut -d' ' -f1-3 /proc/loadavg)"

pooler_ini "$work/pgbouncer.ini" "$pg_port" "$bouncer_port" "$pool" "$work/userlist.txt" "logfile = $work/pgbouncer.log"
echo '"app" ""' > "$work/userlist.txt"
chmod 644 "$work"/*
# PgBouncer logs to its logfile; its copy on stderr would drown the table
if [ "$(id -u)" = 0 ]; then "$PGBOUNCER" -u nobody "$work/pgbouncer.ini" 2>/dev/null & else "$PGBOUNCER" "$work/pgbouncer.ini" 2>/dev/null & fi
bouncer_pid=$!
sleep 1

direct="postgres://app@127.0.0.1:$pg_port/demo"
viabouncer="postgres://app@127.0.0.1:$bouncer_port/demo"
viabypass="postgres://app@127.0.0.1:$bypass_port/demo"
pgbench -q -i -s "$scale" "$viabypass" > /dev/null 2>&1

# user and system ticks from a process's or thread's stat file: the 12th and 13th fields after the ")" that ends its
# name (which may hold spaces, as "C2 CompilerThre" does)
stat_ticks() { sed 's/.*) //' "$1" | awk '{print $12, $13}'; }
cpu_ticks() { stat_ticks "/proc/$1/stat" | awk '{print $1 + $2}'; }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

# run NAME URL PID ARGS...: prints "tps p99_ms cpu_us_per_tx"
run() {
    local url="$1" pid="$2"; shift 2
    local logdir; logdir="$(mktemp -d)"
    local t0=0; [ "$pid" != 0 ] && t0=$(cpu_ticks "$pid")
    local out; out=$(cd "$logdir" && pgbench -n -T "$secs" -j 2 -l "$@" "$url" 2>&1)
    local t1=0; [ "$pid" != 0 ] && t1=$(cpu_ticks "$pid")
    local tps; tps=$(echo "$out" | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1)
    local tx; tx=$(echo "$out" | sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p')
    local p99; p99=$(cat "$logdir"/pgbench_log.* | awk '{print $3}' | sort -n | awk '{a[NR]=$1} END {i=int(NR*0.99); if (i<1) i=1; printf "%.2f", a[i]/1000}')
    local hz; hz=$(getconf CLK_TCK)
    local cpu="-"; [ "$pid" != 0 ] && [ "${tx:-0}" -gt 0 ] && cpu=$(awk -v d=$((t1 - t0)) -v hz="$hz" -v n="$tx" 'BEGIN {printf "%.1f", d / hz * 1e6 / n}')
    rm -rf "$logdir"
    echo "${tps:-0} ${p99:-0} $cpu"
}

# Memory per client: RSS with 200 idle clients connected minus RSS before, per client.
mem_per_client() {
    local url="$1" pid="$2" port="${1##*:}"; port="${port%%/*}"
    local before; before=$(rss_kb "$pid")
    echo "SELECT pg_sleep(6);" > "$work/sleep.sql"
    pgbench -n -c 200 -j 2 -T 8 -f "$work/sleep.sql" "$url" > /dev/null 2>&1 &
    local b=$! during="" _
    # read the RSS once all 200 clients are connected to the pooler (its established sockets on the listening port)
    for _ in $(seq 1 100); do
        if [ "$(ss -Htn state established "( sport = :$port )" | wc -l)" -ge 200 ]; then during=$(rss_kb "$pid"); break; fi
        sleep 0.1
    done
    wait $b || true
    if [ -z "$during" ]; then echo "-"; return; fi
    awk -v a="$before" -v b="$during" 'BEGIN {printf "%.1f", (b - a) / 200}'
}

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR == 0 ? "-" : a[int((NR + 1) / 2)])}'; }

if [[ " $sections " == *" table "* ]]; then
echo "| workload | direct TPS | PgBouncer TPS | Bypass TPS | Bypass / PgBouncer | PgBouncer p99 ms | Bypass p99 ms | PgBouncer CPU µs/tx | Bypass CPU µs/tx |"
echo "|---|---|---|---|---|---|---|---|---|"
while read -r label args; do
    read -r dt dp _ <<< "$(run "$direct" 0 $args)"
    # warm-up, not recorded
    (cd "$work" && pgbench -n -T "$warmup" -j 2 $args "$viabouncer" > /dev/null 2>&1) || true
    (cd "$work" && pgbench -n -T "$warmup" -j 2 $args "$viabypass" > /dev/null 2>&1) || true
    bts="" bps="" bcs="" yts="" yps="" ycs=""
    for _ in $(seq 1 "$repeat"); do
        read -r bt bp bc <<< "$(run "$viabouncer" "$bouncer_pid" $args)"
        read -r yt yp yc <<< "$(run "$viabypass" "$proxy_pid" $args)"
        bts="$bts $bt" bps="$bps $bp" bcs="$bcs $bc" yts="$yts $yt" yps="$yps $yp" ycs="$ycs $yc"
    done
    bt=$(echo "$bts" | median) bp=$(echo "$bps" | median) bc=$(echo "$bcs" | median)
    yt=$(echo "$yts" | median) yp=$(echo "$yps" | median) yc=$(echo "$ycs" | median)
    ratio=$(awk -v a="$yt" -v b="$bt" 'BEGIN {printf "%.2fx", (b > 0 ? a / b : 0)}')
    read -r dt bt yt <<< "$(awk -v d="$dt" -v b="$bt" -v y="$yt" 'BEGIN {printf "%.0f %.0f %.0f", d, b, y}')"
    echo "| ${label//_/ } | $dt | $bt | $yt | $ratio | $bp | $yp | $bc | $yc |"
done < <(grep -E -- "^[^ ]*($rows)" <<'EOF'
-S_c10_simple -S -c 10 -M simple
-S_c50_extended -S -c 50 -M extended
-S_c200_simple -S -c 200 -M simple
-S_c200_extended -S -c 200 -M extended
TPC-B_c200 -c 200 -M simple
EOF
)
echo
echo "memory per client connection: PgBouncer $(mem_per_client "$viabouncer" "$bouncer_pid") KB, Bypass $(mem_per_client "$viabypass" "$proxy_pid") KB (RSS growth with 200 idle clients / 200)"
echo "load average after the table: $(cut -d' ' -f1-3 /proc/loadavg)"
fi

# System calls per transaction, -S c10 simple, all threads of each pooler (perf's syscall tracepoints, which cost
# far less than strace's stops); then the proxy's threads' user and system CPU per transaction.
syscall_events="raw_syscalls:sys_enter"
for c in io_uring_enter epoll_wait epoll_pwait recvfrom read sendto write writev sendmsg recvmsg futex; do
    syscall_events="$syscall_events,syscalls:sys_enter_$c"
done
thread_ticks() { for t in /proc/"$1"/task/*; do echo "$(tr ' ' '_' < "$t/comm") $(stat_ticks "$t/stat")"; done 2>/dev/null | sort; }
per_name() { awk '{u[$1]+=$2; s[$1]+=$3} END {for (k in u) print k, u[k], s[k]}' | sort; }
tx_of() { sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p'; }
syscalls_of() {
    local url="$1" pid="$2" logdir out tx; logdir="$(mktemp -d)"
    perf stat -x, -e "$syscall_events" -p "$pid" -o "$logdir/perf" -- sleep "$secs" &
    local perf_pid=$!
    out=$(cd "$logdir" && pgbench -n -T "$secs" -j 2 -S -c 10 -M simple "$url" 2>&1)
    wait $perf_pid || true
    tx=$(echo "$out" | tx_of)
    awk -F, -v n="${tx:-1}" '$1 ~ /^[0-9]+$/ && $1 > 0 {sub(/^(raw_)?syscalls:sys_enter_?/, "", $3); printf "%s %.2f\n", ($3 == "" ? "all" : $3), $1 / n}' "$logdir/perf" | paste -sd' '
    rm -rf "$logdir"
}
if [[ " $sections " == *" syscalls "* ]]; then
    if command -v perf >/dev/null && perf stat -e raw_syscalls:sys_enter -- true >/dev/null 2>&1; then
        echo
        echo "system calls per transaction (-S c10 simple, $secs s, load average $(cut -d' ' -f1 /proc/loadavg)):"
        echo "  PgBouncer: $(syscalls_of "$viabouncer" "$bouncer_pid")"
        echo "  Bypass:    $(syscalls_of "$viabypass" "$proxy_pid")"
        for who in PgBouncer Bypass; do
            if [ $who = PgBouncer ]; then pid=$bouncer_pid url=$viabouncer; else pid=$proxy_pid url=$viabypass; fi
            before="$(thread_ticks "$pid" | per_name)"
            out=$(cd "$work" && pgbench -n -T "$secs" -j 2 -S -c 10 -M simple "$url" 2>&1)
            after="$(thread_ticks "$pid" | per_name)"
            tx=$(echo "$out" | tx_of)
            echo "  $who per-thread CPU µs/tx (user, system; threads above 0.05):"
            join <(echo "$before") <(echo "$after") |
                awk -v n="${tx:-1}" -v hz="$(getconf CLK_TCK)" '{u = ($4 - $2) / hz * 1e6 / n; s = ($5 - $3) / hz * 1e6 / n; if (u + s > 0.05) printf "    %-28s %6.2f %6.2f\n", $1, u, s}'
        done
    else
        echo "(perf cannot read syscall tracepoints here: system calls not counted)"
    fi
fi

# Where the machine's time goes per transaction, for the -S c10 and TPC-B c200 rows, one run through each pooler:
# the pooler's user and system CPU, all PostgreSQL processes', pgbench's, and the machine's idle time. TPS on two
# shared cores follows the sum of these, so a pooler can cost less CPU per transaction and still lose TPS when
# PostgreSQL does more work per transaction behind it or the machine waits more.
machine_of() {
    local url="$1" pid="$2"; shift 2
    local pg0 pg1 u0 s0 u1 s1 b0 i0 b1 i1 out tx bench
    postgres_ticks() { local sum=0 p; for p in $(pgrep -x postgres); do sum=$((sum + $(stat_ticks /proc/$p/stat 2>/dev/null | awk '{print $1 + $2}' || echo 0))); done; echo $sum; }
    machine_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8, $5 + $6}' /proc/stat; }
    read -r u0 s0 <<< "$(stat_ticks "/proc/$pid/stat")"; pg0=$(postgres_ticks); read -r b0 i0 <<< "$(machine_ticks)"
    out=$(cd "$work" && /usr/bin/time -f "pgbench_cpu %U %S" pgbench -n -T "$secs" -j 2 "$@" "$url" 2>&1)
    read -r u1 s1 <<< "$(stat_ticks "/proc/$pid/stat")"; pg1=$(postgres_ticks); read -r b1 i1 <<< "$(machine_ticks)"
    tx=$(echo "$out" | tx_of); bench=$(echo "$out" | sed -n 's/^pgbench_cpu //p')
    awk -v n="${tx:-1}" -v hz="$(getconf CLK_TCK)" -v u=$((u1 - u0)) -v s=$((s1 - s0)) -v pg=$((pg1 - pg0)) -v b=$((b1 - b0)) -v i=$((i1 - i0)) -v bench="$bench" \
        'BEGIN {split(bench, c, " "); f = 1e6 / n; printf "%7.0f | %5.1f | %5.1f | %6.1f | %6.1f | %6.1f | %6.1f", n / '"$secs"', u / hz * f, s / hz * f, pg / hz * f, (c[1] + c[2]) * f, b / hz * f, i / hz * f}'
}
if [[ " $sections " == *" machine "* ]] && [ -x /usr/bin/time ]; then
    echo
    echo "Where the machine's time goes, µs per transaction (one $secs-s run through each pooler after a warm-up; load average $(cut -d' ' -f1 /proc/loadavg)):"
    echo
    echo "| workload | pooler | TPS | pooler user | pooler system | PostgreSQL | pgbench | machine busy | machine idle |"
    echo "|---|---|---|---|---|---|---|---|---|"
    while read -r label args; do
        (cd "$work" && pgbench -n -T "$warmup" -j 2 $args "$viabouncer" > /dev/null 2>&1) || true
        (cd "$work" && pgbench -n -T "$warmup" -j 2 $args "$viabypass" > /dev/null 2>&1) || true
        echo "| ${label//_/ } | PgBouncer | $(machine_of "$viabouncer" "$bouncer_pid" $args) |"
        echo "| ${label//_/ } | Bypass | $(machine_of "$viabypass" "$proxy_pid" $args) |"
    done <<'EOF2'
-S_c10_simple -S -c 10 -M simple
TPC-B_c200 -c 200 -M simple
EOF2
fi

# The large-result case: the whole of pgbench_accounts (scale 10: 1M rows) by SELECT and by COPY TO STDOUT, read by
# psql through each pooler, alternately, REPEAT times; MB is what psql received (its output), the same for both.
large_of() {
    local url="$1" pid="$2" sql="$3" t0 t1 c0 c1 bytes
    c0=$(cpu_ticks "$pid"); t0=$(date +%s%N)
    bytes=$(psql -X -q -At "$url" -c "$sql" | wc -c)
    t1=$(date +%s%N); c1=$(cpu_ticks "$pid")
    awk -v b="$bytes" -v ns=$((t1 - t0)) -v c=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" \
        'BEGIN {mb = b / 1e6; printf "%.1f %.0f", mb / (ns / 1e9), c / hz * 1e6 / mb}'
}
if [[ " $sections " == *" large "* ]]; then
    echo
    echo "| large result (scale $scale) | PgBouncer MB/s | Bypass MB/s | Bypass / PgBouncer | PgBouncer CPU µs/MB | Bypass CPU µs/MB |"
    echo "|---|---|---|---|---|---|"
    for q in "SELECT * FROM pgbench_accounts" "COPY pgbench_accounts TO STDOUT"; do
        large_of "$viabouncer" "$bouncer_pid" "$q" > /dev/null; large_of "$viabypass" "$proxy_pid" "$q" > /dev/null # warm-up
        bms="" bcs="" yms="" ycs=""
        for _ in $(seq 1 "$repeat"); do
            read -r bm bc <<< "$(large_of "$viabouncer" "$bouncer_pid" "$q")"
            read -r ym yc <<< "$(large_of "$viabypass" "$proxy_pid" "$q")"
            bms="$bms $bm" bcs="$bcs $bc" yms="$yms $ym" ycs="$ycs $yc"
        done
        bm=$(echo "$bms" | median) bc=$(echo "$bcs" | median) ym=$(echo "$yms" | median) yc=$(echo "$ycs" | median)
        echo "| $q | $bm | $ym | $(awk -v a="$ym" -v b="$bm" 'BEGIN {printf "%.2fx", (b > 0 ? a / b : 0)}') | $bc | $yc |"
    done
    echo "load average after the large results: $(cut -d' ' -f1-3 /proc/loadavg)"
fi
