#!/usr/bin/env bash
# End-to-end cost of the agent's query telemetry: the pgbench-like JDBC workload (TPC-B statements from several
# client threads) against one PostgreSQL, in a fresh JVM without and with
# -javaagent:bypass-agent.jar=config=pgjdbc-telemetry.conf (programs at three pgjdbc methods, feature records
# streamed to a file). Runs alternate to spread machine noise; prints each run's TPS and the throughput ratio.
# Usage: bench/scripts/agent-overhead.sh [SECONDS_PER_RUN] [CLIENTS] [ROUNDS]
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)"
secs="${1:-30}" clients="${2:-4}" rounds="${3:-3}"
. "$root/bin/java-env"
bypass_ensure_jar "$root"
agent="$root/observability/target/bypass-agent.jar"
[ -f "$agent" ] || (cd "$root" && JAVA_HOME="$BYPASS_JAVA_HOME" ./mvnw -q -B -DskipTests install -pl observability -am)
java="$BYPASS_JAVA_HOME/bin/java"
work="$(mktemp -d)"
cleanup() { [ -n "${demo_pid:-}" ] && kill "$demo_pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

command -v psql >/dev/null || { echo "psql is missing (Debian package postgresql-client)" >&2; exit 2; }
# The demo's embedded PostgreSQL serves as the database (the proxy is not used).
"$root/bypass" demo --port 0 --metrics-port 0 --seconds 100000 > "$work/demo.out" 2> "$work/demo.err" &
demo_pid=$!
for _ in $(seq 1 120); do grep -q "^PostgreSQL" "$work/demo.out" 2>/dev/null && break; sleep 1; done
pg_port=$(sed -n 's/^PostgreSQL 127.0.0.1:\([0-9]*\).*/\1/p' "$work/demo.out")
[ -n "$pg_port" ] || { echo "PostgreSQL did not start:" >&2; cat "$work/demo.err" >&2; exit 1; }
psql -q "postgres://postgres@127.0.0.1:$pg_port/postgres" -c "CREATE DATABASE agentbench" > /dev/null
url="jdbc:postgresql://127.0.0.1:$pg_port/agentbench?user=postgres"

unzip -p "$agent" dev/bypass/observability/agent/pgjdbc-telemetry.conf > "$work/telemetry.conf"
echo "records telemetry:features query_features jsonl $work/features.jsonl" >> "$work/telemetry.conf"
cp="$root/cli/target/bypass.jar"
"$java" -cp "$cp" dev.bypass.cli.demo.JdbcWorkload "$url" 1 1 --create > /dev/null

without=() with=()
for r in $(seq 1 "$rounds"); do
    a=$("$java" -cp "$cp" dev.bypass.cli.demo.JdbcWorkload "$url" "$secs" "$clients" | awk '/^tps/ {print $2}')
    b=$("$java" -javaagent:"$agent"=config="$work/telemetry.conf" -cp "$cp" dev.bypass.cli.demo.JdbcWorkload "$url" "$secs" "$clients" 2>/dev/null \
        | awk '/^tps/ {print $2}')
    echo "round $r: without agent $a tps, with agent $b tps"
    without+=("$a") with+=("$b")
done
records=$(wc -l < "$work/features.jsonl")
awk -v a="${without[*]}" -v b="${with[*]}" -v rec="$records" 'BEGIN {
    n = split(a, x, " "); split(b, y, " "); sa = 0; sb = 0
    for (i = 1; i <= n; i++) { sa += x[i]; sb += y[i] }
    printf "| workload | without agent (tps) | with telemetry agent (tps) | ratio |\n|---|---|---|---|\n"
    printf "| TPC-B JDBC, %d rounds | %.0f | %.0f | %.3f |\n", n, sa / n, sb / n, (sb / n) / (sa / n)
    printf "feature records written in the last agent run: %d\n", rec
}'
