#!/usr/bin/env bash
# What a flood of hostile clients costs each worker model's memory, while /hello keeps answering.
#
#   benchmarks/scripts/attack-rss.sh              # from the repo root
#   MODELS="async" ATTACKERS=50 SECONDS_=10 benchmarks/scripts/attack-rss.sh
#
# Per model: starts the demo server with Corral's default settings (only --bind and
# --worker-class given; the JVM gets the scripts' usual -Xmx2g), warms it with 3 s of wrk on
# /hello, reads its resident set (VmRSS), then runs io.corral.benchmarks.attack.AttackClient:
# ATTACKERS (default 50) clients cycling through a 100 KiB request line, 200 header fields of
# 8 KiB, a 20-digit Content-Length, a 17-digit chunk size, a 20 MiB body and an endless chunked
# body, for SECONDS_ (default 10) seconds, beside a /hello prober. The resident set is sampled
# every 200 ms during the attack; the script prints the baseline, the peak and the growth, the
# prober's latency and failures, and what each attack got back.
# Target (issue 10): growth at most 200 MB on every model, /hello answering throughout.
# Builds nothing: expects examples/target/corral-examples.jar and benchmarks/target/compare.jar.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. benchmarks/scripts/lib.sh

MODELS=${MODELS:-"sync async virtual"}
ATTACKERS=${ATTACKERS:-50}
SECONDS_=${SECONDS_:-10}
pick_java
raise_nofile 20000
need_jars examples/target/corral-examples.jar benchmarks/target/compare.jar
OUT=benchmarks/target/attack-rss
mkdir -p "$OUT"
trap stop_server EXIT

rss_kb() { sed -n "s/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$1/status" 2>/dev/null; }

declare -A SUMMARY
for model in $MODELS; do
    echo "== $model (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
    start_demo "$OUT/server-$model.log" --worker-class "$model" || exit 1
    if command -v wrk >/dev/null; then
        wrk -t1 -c8 -d3s "http://127.0.0.1:$SERVER_PORT/hello" >/dev/null 2>&1
    fi
    before=$(rss_kb "$SERVER_PID")
    peak=$before
    "$JAVA" -cp benchmarks/target/compare.jar io.corral.benchmarks.attack.AttackClient \
        --port "$SERVER_PORT" --attackers "$ATTACKERS" --duration "$SECONDS_" >"$OUT/attack-$model.txt" 2>&1 &
    attack=$!
    while kill -0 "$attack" 2>/dev/null; do
        now=$(rss_kb "$SERVER_PID")
        [ -n "$now" ] && [ "$now" -gt "$peak" ] && peak=$now
        sleep 0.2
    done
    wait "$attack"
    after=$(rss_kb "$SERVER_PID")
    cat "$OUT/attack-$model.txt"
    probe=$(grep '^PROBE' "$OUT/attack-$model.txt")
    growth=$(( (peak - before) / 1024 ))
    SUMMARY[$model]=$(printf "%8d MB %8d MB %8d MB   %s" $((before / 1024)) $((peak / 1024)) "$growth" "${probe#PROBE }")
    echo "rss before=${before} kB peak=${peak} kB after=${after} kB growth=${growth} MB"
    stop_server
done

echo
echo "attack mix: $ATTACKERS attackers for $SECONDS_ s, default settings, JDK $(java_version), $(nproc) cores"
printf "%-8s %11s %11s %11s   %s\n" model "rss before" "rss peak" growth "/hello prober"
for model in $MODELS; do
    printf "%-8s %s\n" "$model" "${SUMMARY[$model]}"
done
