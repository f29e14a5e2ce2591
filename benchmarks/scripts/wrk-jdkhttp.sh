#!/usr/bin/env bash
# The same JDK HttpServer API application (io.corral.benchmarks.jdkhttp.JdkApiDemo: /hello and a
# blocking /sleep?ms=N, no executor set) on each com.sun.net.httpserver provider, with wrk.
#
#   benchmarks/scripts/wrk-jdkhttp.sh              # from the repo root
#   SERVERS="jdk corral-virtual" benchmarks/scripts/wrk-jdkhttp.sh
#   SERVERS="robaho corral-async" LOADS=hello benchmarks/scripts/wrk-jdkhttp.sh     # one load (hello, sleep100)
#
# Runs exactly, per server (a fresh JVM per load, WARMUP of the same load first, unrecorded):
#   wrk -t2 -c64 -d10s --latency http://127.0.0.1:PORT/hello
#       target: corral-async >= robaho
#   wrk -t2 -c1000 -d15s --latency 'http://127.0.0.1:PORT/sleep?ms=100'
#       target: corral-* with corral.executor=worker >= 97 % of 10,000 req/s (1000 / 100 ms);
#       the JDK's own server runs handlers on its one dispatcher thread: 10 req/s
#
# Servers (SERVERS, default all), each picked with -Dcom.sun.net.httpserver.HttpServerProvider:
#   jdk               the JDK's own (sun.net.httpserver), its default executor: handlers inline on the dispatcher
#   robaho            io.github.robaho:httpserver, its default executor
#   jetty-spi         org.eclipse.jetty:jetty-http-spi, its default (a QueuedThreadPool)
#   corral-app        Corral, virtual model, corral.executor=application: the app set no executor, so one
#                     server thread runs one exchange at a time, as on the JDK (behaviour unchanged)
#   corral-sync       Corral, sync model with 256 threads per worker, corral.executor=worker
#   corral-async      Corral, async model, corral.executor=worker
#   corral-virtual    Corral, virtual model, corral.executor=worker
# Corral runs with -Dcorral.workers=2 (the CPU count here) -Dcorral.keepalive=75
# -Dcorral.worker_connections=10000 -Dcorral.backlog=8192, as wrk-matrix.sh runs the demo server.
# Builds nothing: expects benchmarks/target/compare.jar.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. benchmarks/scripts/lib.sh

SERVERS=${SERVERS:-"jdk robaho jetty-spi corral-app corral-sync corral-async corral-virtual"}
WARMUP=${WARMUP:-5s}
WORKERS=${WORKERS:-2}
pick_java
raise_nofile 20000
need_jars benchmarks/target/compare.jar
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
OUT=benchmarks/target/wrk-jdkhttp
mkdir -p "$OUT"
trap stop_server EXIT
read -r -a LOADS <<<"${LOADS:-hello sleep100}"
CORRAL=(-Dcorral.workers="$WORKERS" -Dcorral.keepalive=75 -Dcorral.worker_connections=10000 -Dcorral.backlog=8192)

wrk_args() {
    case $1 in
        hello) echo "-t2 -c64 -d${3:-10s} --latency http://127.0.0.1:$2/hello" ;;
        sleep100) echo "-t2 -c1000 -d${3:-15s} --latency http://127.0.0.1:$2/sleep?ms=100" ;;
    esac
}

# JVM options that pick the provider (and Corral's settings) for a server name.
server_opts() {
    case $1 in
        jdk) echo "-Dcom.sun.net.httpserver.HttpServerProvider=sun.net.httpserver.DefaultHttpServerProvider" ;;
        robaho) echo "-Dcom.sun.net.httpserver.HttpServerProvider=robaho.net.httpserver.DefaultHttpServerProvider" ;;
        jetty-spi) echo "-Dcom.sun.net.httpserver.HttpServerProvider=org.eclipse.jetty.http.spi.JettyHttpServerProvider" ;;
        corral-app) echo "-Dcom.sun.net.httpserver.HttpServerProvider=io.corral.jdkhttp.CorralHttpServerProvider ${CORRAL[*]} -Dcorral.worker_class=virtual" ;;
        corral-sync) echo "-Dcom.sun.net.httpserver.HttpServerProvider=io.corral.jdkhttp.CorralHttpServerProvider ${CORRAL[*]} -Dcorral.worker_class=sync -Dcorral.threads=256 -Dcorral.executor=worker" ;;
        corral-*) echo "-Dcom.sun.net.httpserver.HttpServerProvider=io.corral.jdkhttp.CorralHttpServerProvider ${CORRAL[*]} -Dcorral.worker_class=${1#corral-} -Dcorral.executor=worker" ;;
    esac
}

start_jdkapi() {
    local log=$1 name=$2
    : >"$log"
    # shellcheck disable=SC2046
    "$JAVA" -Xmx2g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn $(server_opts "$name") \
        -cp benchmarks/target/compare.jar io.corral.benchmarks.jdkhttp.JdkApiDemo 127.0.0.1 0 >>"$log" 2>&1 &
    SERVER_PID=$!
    wait_port "$log" 'READY \([0-9]*\)'
}

summarize() {
    awk '
        /Requests\/sec:/ { rps = $2 }
        /^ +50%/ { p50 = $2 }
        /^ +99%/ { p99 = $2 }
        /Socket errors:/ { gsub(",", ""); errs = "connect " $4 " read " $6 " write " $8 " timeout " $10 }
        /Non-2xx or 3xx responses:/ { non2xx = $5 }
        END {
            if (rps == "") { print "no result"; exit }
            printf "%10.0f  %9s  %9s  %-40s  %s\n", rps, p50, p99, (errs == "" ? "none" : errs), (non2xx == "" ? 0 : non2xx)
        }' "$1"
}

for server in $SERVERS; do
    for load in "${LOADS[@]}"; do
        log="$OUT/server-$server-$load.log"
        start_jdkapi "$log" "$server" || { echo "== $server did not start; see $log" >&2; continue 2; }
        # servers that run one exchange at a time cannot serve the /sleep warmup in time: it would
        # leave them a backlog the measured run waits behind
        if [ "$WARMUP" != 0 ] && ! { [ "$load" = sleep100 ] && { [ "$server" = jdk ] || [ "$server" = corral-app ]; }; }; then
            # shellcheck disable=SC2086
            wrk $(wrk_args "$load" "$SERVER_PORT" "$WARMUP") >"$OUT/$server-$load.warmup.txt" 2>&1
            sleep 2
        fi
        args=$(wrk_args "$load" "$SERVER_PORT")
        echo "== $server: wrk $args (load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
        # shellcheck disable=SC2086
        wrk $args >"$OUT/$server-$load.txt" 2>&1
        summarize "$OUT/$server-$load.txt"
        stop_server
        sleep 2
    done
done

echo
echo "JDK HttpServer API app on each provider (each after a $WARMUP warmup): $(nproc) cores, JDK $(java_version), Corral ${CORRAL[*]}"
for load in "${LOADS[@]}"; do
    echo
    echo "wrk $(wrk_args "$load" PORT)"
    printf '  %-15s  %10s  %9s  %9s  %-40s  %s\n' server "req/s" p50 p99 "socket errors" non-2xx
    for server in $SERVERS; do
        f="$OUT/$server-$load.txt"
        [ -f "$f" ] || continue
        printf '  %-15s  %s\n' "$server" "$(summarize "$f")"
    done
done
