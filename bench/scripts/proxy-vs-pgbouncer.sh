#!/usr/bin/env bash
# Side by side on one PostgreSQL: pgbench straight to PostgreSQL, through PgBouncer (Debian package, transaction
# mode) and through the Bypass proxy (transaction mode, the query_guard program at its query hook), same pool size.
# Prints a markdown table: TPS, p99 latency, CPU per transaction of the pooler process, memory per client.
# Each workload: one run straight to PostgreSQL, a warm-up through each pooler (the JVM compiles the proxy's paths
# for that workload), then REPEAT runs through each pooler alternately; the table shows the median of each column.
# Usage: bench/scripts/proxy-vs-pgbouncer.sh [SECONDS_PER_RUN] [SCALE]     (needs pgbench and pgbouncer)
#        REPEAT=3 WARMUP=5 (seconds) by default
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)"
secs="${1:-10}"
scale="${2:-10}"
pool=20
repeat="${REPEAT:-3}"
warmup="${WARMUP:-5}"
command -v pgbench >/dev/null || { echo "pgbench is missing (Debian package postgresql-client or postgresql-contrib)" >&2; exit 2; }
command -v pgbouncer >/dev/null || [ -x /usr/sbin/pgbouncer ] || { echo "pgbouncer is missing (Debian package pgbouncer)" >&2; exit 2; }
PGBOUNCER="$(command -v pgbouncer || echo /usr/sbin/pgbouncer)"
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

cat > "$work/pgbouncer.ini" <<EOF
[databases]
demo = host=127.0.0.1 port=$pg_port dbname=demo
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $bouncer_port
auth_type = trust
auth_file = $work/userlist.txt
pool_mode = transaction
default_pool_size = $pool
max_client_conn = 1000
ignore_startup_parameters = extra_float_digits
logfile = $work/pgbouncer.log
EOF
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

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
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
    local url="$1" pid="$2"
    local before; before=$(rss_kb "$pid")
    pgbench -n -c 200 -j 2 -T 5 -f <(echo "SELECT pg_sleep(4);") "$url" > /dev/null 2>&1 &
    local b=$!
    sleep 3
    local during; during=$(rss_kb "$pid")
    wait $b || true
    awk -v a="$before" -v b="$during" 'BEGIN {printf "%.1f", (b - a) / 200}'
}

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR == 0 ? "-" : a[int((NR + 1) / 2)])}'; }

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
done <<'EOF'
-S_c10_simple -S -c 10 -M simple
-S_c50_extended -S -c 50 -M extended
-S_c200_simple -S -c 200 -M simple
-S_c200_extended -S -c 200 -M extended
TPC-B_c200 -c 200 -M simple
EOF
echo
echo "memory per client connection: PgBouncer $(mem_per_client "$viabouncer" "$bouncer_pid") KB, Bypass $(mem_per_client "$viabypass" "$proxy_pid") KB (RSS growth with 200 idle clients / 200)"
