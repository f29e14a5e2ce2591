#!/usr/bin/env bash
# Slowloris beside a /hello load, per worker model: issue 10's scenario.
#
#   benchmarks/scripts/slowloris.sh              # from the repo root
#   MODELS="sync" CLIENTS=50 benchmarks/scripts/slowloris.sh
#
# Per model: the demo server with --header-timeout 3 --workers 2 --threads 16 (threads matter to
# sync only), CLIENTS (default 50) clients of io.corral.benchmarks.attack.SlowlorisClient sending a
# request head one byte a second (each replaced when the server cuts it off) for 20 s, and, from
# the fifth second, wrk -t1 -c8 -d10s --latency /hello. Prints wrk's req/s and p99 and how long the
# slow connections lived from connect to the server's close.
# Targets (issue 10): /hello p99 under 1 s; every slow client cut within header_timeout + 1 s.
# Builds nothing: expects examples/target/corral-examples.jar and benchmarks/target/compare.jar.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. benchmarks/scripts/lib.sh

MODELS=${MODELS:-"sync async virtual"}
CLIENTS=${CLIENTS:-50}
pick_java
raise_nofile 20000
need_jars examples/target/corral-examples.jar benchmarks/target/compare.jar
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
OUT=benchmarks/target/slowloris
mkdir -p "$OUT"
trap stop_server EXIT

declare -A SUMMARY
for model in $MODELS; do
    start_demo "$OUT/server-$model.log" --worker-class "$model" --header-timeout 3 --workers 2 --threads 16 || exit 1
    echo "== $model (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
    "$JAVA" -cp benchmarks/target/compare.jar io.corral.benchmarks.attack.SlowlorisClient \
        --port "$SERVER_PORT" --clients "$CLIENTS" --interval-ms 1000 --duration 20 >"$OUT/slow-$model.txt" 2>&1 &
    slow=$!
    sleep 5
    wrk -t1 -c8 -d10s --latency "http://127.0.0.1:$SERVER_PORT/hello" >"$OUT/wrk-$model.txt" 2>&1
    wait "$slow"
    cat "$OUT/slow-$model.txt"
    SUMMARY[$model]="$(summarize "$OUT/wrk-$model.txt")  $(grep '^SLOWLORIS' "$OUT/slow-$model.txt" | cut -d' ' -f2-)"
    stop_server
done

echo
echo "slowloris: $CLIENTS clients, one byte a second, --header-timeout 3 --workers 2 --threads 16; wrk -t1 -c8 /hello; JDK $(java_version)"
printf '  %-8s  %10s  %9s  %9s  %-40s  %s   %s\n' model "req/s" p50 p99 "socket errors" non-2xx "slow connections"
for model in $MODELS; do
    printf '  %-8s  %s\n' "$model" "${SUMMARY[$model]}"
done
