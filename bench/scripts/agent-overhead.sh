#!/usr/bin/env bash
# End-to-end cost of the agent's query telemetry: the pgbench-like JDBC workload (TPC-B statements from several
# client threads) against one PostgreSQL, in a fresh JVM without and with
# -javaagent:bypass-agent.jar=config=pgjdbc-telemetry.conf (programs at three pgjdbc methods, one feature record per
# statement streamed to a JSON-lines file).
#
# Each run warms up first (class loading, compilation, the agent's attach) and is measured after: throughput, and
# the client JVM's CPU time (all its threads) per transaction and per statement. Runs come in pairs, the order
# inside a pair alternating (without/with, then with/without, ...) to spread drift; the summary gives the median
# throughput ratio with its spread, and the client CPU per statement the agent adds, which does not depend on what
# else the machine runs, split into the client threads (where the probes run), the agent's own threads (named
# bypass-*: the ring buffer's collector) and the rest of the JVM (JIT compilers, GC). The agent's start (premain: loading, verifying, compiling the programs) is reported apart.
#
# Usage: bench/scripts/agent-overhead.sh [--seconds 30] [--warmup 15] [--pairs 5] [--clients 4] [--profile DIR]
#   --profile DIR  also records one run with the agent under JFR (CPU-time and allocation sampling) into DIR and
#                  prints where the agent's time and allocations go per statement (bench/scripts/AgentProfile.java)
#   AGENT_JAR=...  measures another build of the agent (default observability/target/bypass-agent.jar)
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)"
secs=30 warmup=15 pairs=5 clients=4 profile=""
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) secs="$2"; shift 2 ;;
        --warmup) warmup="$2"; shift 2 ;;
        --pairs) pairs="$2"; shift 2 ;;
        --clients) clients="$2"; shift 2 ;;
        --profile) profile="$2"; shift 2 ;;
        *) echo "usage: $0 [--seconds S] [--warmup S] [--pairs N] [--clients N] [--profile DIR]" >&2; exit 2 ;;
    esac
done
. "$root/bin/java-env"
bypass_ensure_jar "$root"
if [ -n "${AGENT_JAR:-}" ]; then
    agent="$AGENT_JAR"
    [ -f "$agent" ] || { echo "no agent jar $agent" >&2; exit 2; }
else
    agent="$root/observability/target/bypass-agent.jar"
    if [ ! -f "$agent" ] || [ -n "$(find "$root/observability/src/main" "$root/programs/src/main" "$root/vm/src/main" -newer "$agent" -type f -print -quit)" ]; then
        (cd "$root" && JAVA_HOME="$BYPASS_JAVA_HOME" ./mvnw -q -B -pl observability -am package -DskipTests >&2)
    fi
fi
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

# The application's class path holds the workload and pgjdbc only, as an application that knows nothing of Bypass:
# the agent's classes come from the agent jar alone.
mkdir "$work/app"
(cd "$work/app" && "$BYPASS_JAVA_HOME/bin/jar" xf "$root/cli/target/bypass.jar" org/postgresql META-INF/services/java.sql.Driver \
    dev/bypass/cli/demo/JdbcWorkload.class 'dev/bypass/cli/demo/JdbcWorkload$Window.class')
app="$work/app"
(cd "$work" && "$BYPASS_JAVA_HOME/bin/jar" xf "$agent" dev/bypass/observability/agent/pgjdbc-telemetry.conf \
    && mv dev/bypass/observability/agent/pgjdbc-telemetry.conf telemetry.conf && rm -r dev)
echo "records telemetry:features query_features jsonl $work/features.jsonl" >> "$work/telemetry.conf"
"$java" -cp "$app" dev.bypass.cli.demo.JdbcWorkload "$url" 0 1 --create > /dev/null

# One run ("with" or "without" the agent, then extra JVM options): sets tps tx st cpu start (startup CPU, ns).
run() {
    local agentopt=()
    [ "$1" = with ] && agentopt=(-javaagent:"$agent"=config="$work/telemetry.conf")
    if ! "$java" "${agentopt[@]}" ${2:-} -cp "$app" dev.bypass.cli.demo.JdbcWorkload "$url" "$secs" "$clients" --warmup "$warmup" \
            > "$work/run.out" 2> "$work/run.err"; then
        echo "the workload failed ($1 the agent):" >&2; cat "$work/run.err" >&2; exit 1
    fi
    read -r tps tx st cpu start ccpu bcpu <<< "$(awk '{v[$1] = $2} END {print v["tps"], v["transactions"], v["statements"], v["cpu_ns"], v["startup_cpu_ns"], v["client_threads_cpu_ns"], v["bypass_threads_cpu_ns"]}' "$work/run.out")"
}

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) before; PostgreSQL on the same machine"
echo "runs: $pairs pairs, ${warmup} s warm-up + ${secs} s measured each, $clients clients; agent $agent"
: > "$work/results"
for p in $(seq 1 "$pairs"); do
    if [ $((p % 2)) = 1 ]; then order="without with"; else order="with without"; fi
    for which in $order; do
        run "$which"
        echo "$p $which $tps $tx $st $cpu $start $ccpu $bcpu" >> "$work/results"
        printf "pair %d %-7s %8.1f tps  %6.1f us CPU/transaction  %6.0f ns CPU/statement (clients %6.0f, bypass-* %4.0f, rest %5.0f)  start-up CPU %5.0f ms\n" \
            "$p" "$which" "$tps" "$(echo "$cpu $tx" | awk '{print $1 / $2 / 1000}')" "$(echo "$cpu $st" | awk '{print $1 / $2}')" \
            "$(echo "$ccpu $st" | awk '{print $1 / $2}')" "$(echo "$bcpu $st" | awk '{print $1 / $2}')" \
            "$(echo "$cpu $ccpu $bcpu $st" | awk '{print ($1 - $2 - $3) / $4}')" "$(echo "$start" | awk '{print $1 / 1e6}')"
    done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
records=0; if [ -f "$work/features.jsonl" ]; then records=$(wc -l < "$work/features.jsonl"); fi
[ "$pairs" -gt 0 ] && awk -v pairs="$pairs" -v records="$records" '
    function median(a, n,   i, j, t) { for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
                                       return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
    # "median (pairs lowest SEP highest)": median sorts the array, so its ends are the spread
    function spread(a, n, fmt, sep,   m) { m = median(a, n); return sprintf(fmt " (pairs " fmt sep fmt ")", m, a[1], a[n]) }
    { tps[$1, $2] = $3; tx[$1, $2] = $4; st[$1, $2] = $5; cpu[$1, $2] = $6; start[$1, $2] = $7; ccpu[$1, $2] = $8; bcpu[$1, $2] = $9 }
    END {
        for (p = 1; p <= pairs; p++) {
            ratio[p] = tps[p, "with"] / tps[p, "without"]
            a[p] = tps[p, "without"]; b[p] = tps[p, "with"]
            cw[p] = cpu[p, "without"] / tx[p, "without"] / 1000; cb[p] = cpu[p, "with"] / tx[p, "with"] / 1000
            added[p] = cpu[p, "with"] / st[p, "with"] - cpu[p, "without"] / st[p, "without"]
            # the same difference split by thread: the client threads (the probes run on them), the
            # agent threads named bypass-* (its collector), the rest of the JVM (JIT compilers, GC)
            ac[p] = ccpu[p, "with"] / st[p, "with"] - ccpu[p, "without"] / st[p, "without"]
            ab[p] = bcpu[p, "with"] / st[p, "with"] - bcpu[p, "without"] / st[p, "without"]
            ar[p] = added[p] - ac[p] - ab[p]
            su[p] = (start[p, "with"] - start[p, "without"]) / 1e6
            spt = st[p, "without"] / tx[p, "without"]
        }
        printf "\n| | without agent | with telemetry agent | ratio or difference |\n|---|---|---|---|\n"
        printf "| throughput, median of %d pairs (tps) | %.0f | %.0f | %s |\n", pairs, median(a, pairs), median(b, pairs), spread(ratio, pairs, "%.3f", "-")
        printf "| client CPU per transaction, median (us) | %.1f | %.1f | +%.1f |\n", median(cw, pairs), median(cb, pairs), median(cb, pairs) - median(cw, pairs)
        printf "| client CPU per statement added by the agent, median (ns) | | | %s |\n", spread(added, pairs, "%.0f", " to ")
        printf "| of which on the client threads (ns) | | | %s |\n", spread(ac, pairs, "%.0f", " to ")
        printf "| of which on the agent threads (bypass-*) (ns) | | | %s |\n", spread(ab, pairs, "%.0f", " to ")
        printf "| of which in the rest of the JVM: JIT, GC (ns) | | | %s |\n", spread(ar, pairs, "%.0f", " to ")
        printf "| agent start (premain CPU, median) (ms) | | | %.0f |\n", median(su, pairs)
        printf "statements per transaction: %.2f; feature records written (all agent runs): %d\n", spt, records
    }' "$work/results"

if [ -n "$profile" ]; then
    mkdir -p "$profile"
    jfr="$profile/agent.jfr"
    rm -f "$jfr"
    echo
    echo "profile: one run with the agent under JFR (CPU-time samples every 1 ms of CPU, allocation samples) -> $jfr"
    run with "-XX:FlightRecorderOptions:stackdepth=128 -XX:StartFlightRecording:delay=${warmup}s,duration=${secs}s,filename=$jfr,settings=profile,+jdk.CPUTimeSample#enabled=true,+jdk.CPUTimeSample#throttle=1ms"
    echo "that run: $tps tps, $(echo "$cpu $st" | awk '{print $1 / $2}') ns client CPU per statement (JFR on)"
    "$java" "$root/bench/scripts/AgentProfile.java" "$jfr" "$st"
fi
