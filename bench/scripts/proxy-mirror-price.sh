#!/usr/bin/env bash
# Mirroring's price: pgbench TPC-B through the Bypass proxy (transaction pooling, the bundled programs) with the
# mirror_sampler program copying every write (INSERT, UPDATE, DELETE) to a shadow PostgreSQL, against the same proxy
# with the sampler set to copy nothing (SET MAP mirror_config 0 0 on the admin console), alternately, REPEAT times.
# Primary and shadow are two embedded PostgreSQL started by `./bypass demo`, both initialised by pgbench at SCALE,
# so the shadow does the primary's writes again on the same machine: the price includes its CPU.
# Usage: bench/scripts/proxy-mirror-price.sh [SECONDS_PER_RUN] [SCALE] [CLIENTS]   (needs pgbench and psql)
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)"
secs="${1:-10}" scale="${2:-10}" clients="${3:-50}" repeat="${REPEAT:-3}"
work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# Two demos: only their PostgreSQL servers are used (started in this shell, so that the exit trap stops them)
for d in primary:16440 shadow:16441; do
    "$root/bypass" demo --port "${d#*:}" --metrics-port 0 --seconds 100000 > "$work/${d%%:*}.out" 2> "$work/${d%%:*}.err" &
    pids+=($!)
done
pg_port() {
    for _ in $(seq 1 120); do grep -q "^PostgreSQL" "$work/$1.out" 2>/dev/null && break; sleep 1; done
    sed -n 's/^PostgreSQL 127.0.0.1:\([0-9]*\).*/\1/p' "$work/$1.out"
}
primary=$(pg_port primary) shadow=$(pg_port shadow)
[ -n "$primary" ] && [ -n "$shadow" ] || { echo "a demo did not start:" >&2; cat "$work"/*.err >&2; exit 1; }

cat > "$work/proxy.ini" <<INI
[databases]
demo = host=127.0.0.1 port=$primary dbname=demo
[bypass]
listen_addr = 127.0.0.1
listen_port = 16442
unix_socket_dir =
auth_type = trust
auth_file = $work/users.txt
admin_users = app
pool_mode = transaction
default_pool_size = 20
max_client_conn = 1000
ignore_startup_parameters = extra_float_digits
mirror = 127.0.0.1:$shadow
mirror_queue_size = 100000
log_connections = 0
log_disconnections = 0
[programs]
query = @query_guard.o:query_guard
result = @query_guard.o:result_counter
mirror = @query_guard.o:mirror_sampler
INI
echo '"app" ""' > "$work/users.txt"
"$root/bypass" proxy --config "$work/proxy.ini" > "$work/proxy.out" 2> "$work/proxy.err" &
proxy_pid=$!
pids+=($proxy_pid)
console="postgres://app@127.0.0.1:16442/bypass"
for _ in $(seq 1 60); do psql -X -q "$console" -c "SHOW VERSION" > /dev/null 2>&1 && break; sleep 1; done
pgbench -q -i -s "$scale" "postgres://app@127.0.0.1:$primary/demo" > /dev/null 2>&1
pgbench -q -i -s "$scale" "postgres://app@127.0.0.1:$shadow/demo" > /dev/null 2>&1
url="postgres://app@127.0.0.1:16442/demo"
writes=$(( (1 << 2) | (1 << 3) | (1 << 4) )) # StatementClass INSERT, UPDATE, DELETE
psql -X -q "$console" -c "SET MAP mirror_config 1 $writes" > /dev/null

mirror() { psql -X -q "$console" -c "SET MAP mirror_config 0 $1" > /dev/null; }
tps() { pgbench -n -T "$secs" -j 2 -c "$clients" -M simple "$url" 2>&1 | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR == 0 ? "-" : a[int((NR + 1) / 2)])}'; }
mirror 1; pgbench -n -T 5 -j 2 -c "$clients" "$url" > /dev/null 2>&1 || true # warm-up, both paths
mirror 0; pgbench -n -T 5 -j 2 -c "$clients" "$url" > /dev/null 2>&1 || true
echo "load average $(cut -d' ' -f1-3 /proc/loadavg)"
offs="" ons=""
for _ in $(seq 1 "$repeat"); do
    mirror 0; offs="$offs $(tps)"
    mirror 1; ons="$ons $(tps)"
done
mirror 0
off=$(echo "$offs" | median) on=$(echo "$ons" | median)
echo "| TPC-B c$clients | without mirror TPS | with mirror TPS | price |"
echo "|---|---|---|---|"
echo "| runs: off$offs / on$ons | $off | $on | $(awk -v a="$on" -v b="$off" 'BEGIN {printf "%.1f%%", (b > 0 ? (1 - a / b) * 100 : 0)}') |"
history() { psql -X -q -At "postgres://app@127.0.0.1:$1/demo" -c "SELECT count(*) FROM pgbench_history"; }
echo "transactions recorded (pgbench_history): primary $(history "$primary"), shadow $(history "$shadow") (the mirrored runs and warm-up only); load average $(cut -d' ' -f1-3 /proc/loadavg)"
