#!/usr/bin/env bash
# What an idle keep-alive connection costs each worker model's heap.
#
#   benchmarks/scripts/idle-heap.sh [connections]        # from the repo root; default 10000
#
# Per model: starts the demo server with a long keep-alive, reads its live heap (jcmd
# GC.class_histogram: a full GC, then every reachable byte), opens N connections that each
# complete one GET /hello and then sit idle, reads the live heap again and prints
# (after - before) / N. io.corral.benchmarks.IdleHeap does the measuring; see its javadoc.
#
# Every model runs with its default threads: an idle keep-alive connection is held by the worker's
# selector (the poller on sync and virtual, the event loop on async), never by a thread.
# Targets (issue 10): virtual at most 2 KiB, async at most 1 KiB per idle connection.
# Builds nothing: expects the jars.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. benchmarks/scripts/lib.sh

N=${1:-10000}
MODELS=${MODELS:-"virtual async sync"}
pick_java
raise_nofile 20000
need_jars examples/target/corral-examples.jar benchmarks/target/compare.jar
OUT=benchmarks/target/idle-heap
mkdir -p "$OUT"
trap stop_server EXIT

COMMON=(--workers 1 --keepalive 600 --worker-connections 20000 --header-timeout 600 --backlog 16384)
declare -A RESULT
for model in $MODELS; do
    n=$N
    echo "== $model: demo server ${COMMON[*]} (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
    if ! start_demo "$OUT/server-$model.log" --worker-class "$model" "${COMMON[@]}"; then
        RESULT[$model]="did not start (see $OUT/server-$model.log)"
        continue
    fi
    "$JAVA" -cp benchmarks/target/compare.jar io.corral.benchmarks.IdleHeap \
        --port "$SERVER_PORT" --pid "$SERVER_PID" --connections "$n" --jcmd "$JAVA_HOME/bin/jcmd" \
        | tee "$OUT/$model.txt"
    line=$(grep '^RESULT' "$OUT/$model.txt")
    if [ -n "$line" ]; then
        per=$(sed -n 's/.*bytes_per_connection=\([-0-9]*\).*/\1/p' <<<"$line")
        open=$(sed -n 's/.* open=\([0-9]*\).*/\1/p' <<<"$line")
        rb=$(sed -n 's/.*rss_before=\([-0-9]*\).*/\1/p' <<<"$line")
        ra=$(sed -n 's/.*rss_after=\([-0-9]*\).*/\1/p' <<<"$line")
        RESULT[$model]=$(printf '%7d B heap/conn (%5.2f KiB)  %7d B RSS/conn  %d of %d still open' \
            "$per" "$(awk -v b="$per" 'BEGIN { print b / 1024 }')" "$(( (ra - rb) / n ))" "$open" "$n")
    else
        RESULT[$model]="failed (see $OUT/$model.txt)"
    fi
    stop_server
done

echo
echo "idle keep-alive connections: $N, JDK $("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.runtime\.version = //p'), $(nproc) cores"
for model in $MODELS; do
    printf '  %-8s %s\n' "$model" "${RESULT[$model]}"
done
