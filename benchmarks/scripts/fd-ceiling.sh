#!/usr/bin/env bash
# Every connection busy at the file-descriptor ceiling: 19,000 connections, each waiting 5 s per
# request, against async, virtual and Netty.
#
#   benchmarks/scripts/fd-ceiling.sh              # from the repo root
#   MODELS="virtual netty" CONNECTIONS=19000 benchmarks/scripts/fd-ceiling.sh
#
# Runs exactly, per server (fresh each time, no warmup: the load is all waiting):
#   wrk -t2 -c19000 -d30s --timeout 12s 'http://127.0.0.1:PORT/sleep?ms=5000'
# A 30 s window with 5 s per request lets each connection finish 5 requests, so about
# 19,000 x 5 / 30 = 3,167 req/s is the most a run can show.
# Target (issue 10): virtual and async each at least 98 % of Netty's rate in the same run, no
# socket errors.
#
# A process here may open at most 20,000 files, so one server holds 19,000 connections plus its
# own few; wrk, in its own process, holds the other ends. The servers run with --workers 2
# --worker-connections 10000 --keepalive 75 --backlog 8192 (the kernel caps the backlog at
# net.core.somaxconn). After each run the script prints the server's resident set, its open
# descriptors, the kernel's socket counts and buffer pages (/proc/net/sockstat) and its slab memory
# (/proc/meminfo) read mid-run, against the same readings before the load, for the per-connection
# budget in docs/PERFORMANCE.md (on loopback both ends of each connection are this machine's).
# Builds nothing: expects examples/target/corral-examples.jar and benchmarks/target/compare.jar.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. benchmarks/scripts/lib.sh

MODELS=${MODELS:-"async virtual netty"}
CONNECTIONS=${CONNECTIONS:-19000}
pick_java
raise_nofile 20000
need_jars examples/target/corral-examples.jar benchmarks/target/compare.jar
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
OUT=benchmarks/target/fd-ceiling
mkdir -p "$OUT"
trap stop_server EXIT

COMMON=(--workers 2 --keepalive 75 --worker-connections 10000 --backlog 8192)
for model in $MODELS; do
    log="$OUT/server-$model.log"
    case $model in
        netty) start_netty "$log" 2 ;;
        *) start_demo "$log" --worker-class "$model" "${COMMON[@]}" ;;
    esac || { echo "== $model did not start; see $log" >&2; continue; }
    slab_before=$(sed -n 's/^Slab:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/meminfo)
    rss_before=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$SERVER_PID/status")
    args="-t2 -c$CONNECTIONS -d30s --timeout 12s --latency http://127.0.0.1:$SERVER_PORT/sleep?ms=5000"
    echo "== $model: wrk $args (load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
    # shellcheck disable=SC2086
    wrk $args >"$OUT/$model.txt" 2>&1 &
    load=$!
    sleep 20 # mid-run, every connection open and waiting
    {
        rss_mid=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$SERVER_PID/status")
        slab_mid=$(sed -n 's/^Slab:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/meminfo)
        echo "server VmRSS: $rss_before kB before, $rss_mid kB mid-run"
        echo "kernel Slab: $slab_before kB before, $slab_mid kB mid-run"
        echo "server fds: $(ls "/proc/$SERVER_PID/fd" | wc -l)"
        cat /proc/net/sockstat
    } >"$OUT/$model.mem.txt"
    wait "$load"
    summarize "$OUT/$model.txt"
    cat "$OUT/$model.mem.txt"
    stop_server
    sleep 5 # let the kernel reap the closed sockets
done

echo
echo "fd ceiling: wrk -t2 -c$CONNECTIONS -d30s --timeout 12s /sleep?ms=5000; $(nproc) cores, JDK $(java_version)"
printf '  %-10s  %10s  %9s  %9s  %-40s  %s\n' server "req/s" p50 p99 "socket errors" non-2xx
for model in $MODELS; do
    [ -f "$OUT/$model.txt" ] && printf '  %-10s  %s\n' "$model" "$(summarize "$OUT/$model.txt")"
done
