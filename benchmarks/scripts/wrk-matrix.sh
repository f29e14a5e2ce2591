#!/usr/bin/env bash
# The worker-model matrix with wrk: the demo server under each model (and Netty), three loads.
#
#   benchmarks/scripts/wrk-matrix.sh              # from the repo root
#   MODELS="virtual async" benchmarks/scripts/wrk-matrix.sh
#   MODELS="virtual helidon" LOADS=hello ROUNDS=3 benchmarks/scripts/wrk-matrix.sh
#
# Runs exactly, per server:
#   wrk -t2 -c1000 -d15s --latency 'http://127.0.0.1:PORT/sleep?ms=100'
#       targets: virtual >= 9,500 req/s, p99 < 150 ms; async >= 9,700, p99 < 120 ms; no socket errors
#   wrk -t2 -c5000 -d20s --latency 'http://127.0.0.1:PORT/sleep?ms=1000'
#       targets: virtual >= 4,600 req/s; async >= 4,700; no socket errors
#   wrk -t2 -c64 -d10s --latency http://127.0.0.1:PORT/hello
#       report req/s; async should be >= the Netty server's
# and prints a side-by-side summary (req/s, p50/p99, socket errors, non-2xx). Each server is fresh
# per load and first gets WARMUP (default 5s, 0 to skip) of the same load, unrecorded, so that
# the measured run meets compiled code rather than the JIT at work; except sync and sync-wide
# under the /sleep loads, which they cannot serve in time: a warmup would leave them a backlog of
# abandoned requests (1000 x 100 ms on 2 threads is 50 s of work) that the measured run would wait
# behind.
#
# Servers (MODELS, default "sync sync-wide virtual async netty"), every one with --workers 2 (the
# CPU count here), --keepalive 75, --worker-connections 10000 and --backlog 8192, so that the limit
# is the model's and not the configuration's:
#   sync       the sync defaults otherwise: threads 1, so 2 requests at a time
#   sync-wide  sync with --threads 256: 512 platform threads in all, so that its plateau,
#              workers x threads / sleep (5,120 req/s at 100 ms, 512 at 1 s), shows below the
#              other models' (with a thread per connection, 2500 per worker, every sync thread
#              wakes for every accept and the herd, not the model, sets the result)
#   virtual, async   Corral's models
#   netty      io.corral.benchmarks.peers.NettyDemoServer with 2 event loops: /sleep schedules on
#              the loop, /hello answers at once
#   helidon    io.corral.benchmarks.peers.HelidonDemoServer, Helidon 4 SE: a virtual thread per
#              connection, /sleep a Thread.sleep (not in the default list; the peer of virtual)
# ROUNDS (default 1) repeats every server ROUNDS times per load, interleaved (all servers, then all
# again), so that a pair such as MODELS="virtual helidon" ROUNDS=3 meets the same machine noise;
# the summary then has one row per server and round.
# Builds nothing: expects examples/target/corral-examples.jar and benchmarks/target/compare.jar.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. benchmarks/scripts/lib.sh

MODELS=${MODELS:-"sync sync-wide virtual async netty"}
WARMUP=${WARMUP:-5s}
WORKERS=${WORKERS:-2}
ROUNDS=${ROUNDS:-1}
pick_java
raise_nofile 20000
need_jars examples/target/corral-examples.jar benchmarks/target/compare.jar
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
OUT=benchmarks/target/wrk-matrix
mkdir -p "$OUT"
trap stop_server EXIT

COMMON=(--workers "$WORKERS" --keepalive 75 --worker-connections 10000 --backlog 8192)
read -r -a LOADS <<<"${LOADS:-sleep100 sleep1000 hello}"

# wrk arguments for a load name and port; a third argument replaces the duration (warmup).
wrk_args() {
    case $1 in
        sleep100) echo "-t2 -c1000 -d${3:-15s} --latency http://127.0.0.1:$2/sleep?ms=100" ;;
        sleep1000) echo "-t2 -c5000 -d${3:-20s} --latency http://127.0.0.1:$2/sleep?ms=1000" ;;
        hello) echo "-t2 -c64 -d${3:-10s} --latency http://127.0.0.1:$2/hello" ;;
    esac
}

# the output file of a server, load and round ("" in a single-round run)
result() { echo "$OUT/$1-$2${3:+-r$3}.txt"; }

for load in "${LOADS[@]}"; do
    for round in $(seq 1 "$ROUNDS"); do
        [ "$ROUNDS" = 1 ] && round=""
        for model in $MODELS; do
            # a fresh server per load: a sync server left with a backlog of abandoned requests by
            # one load would serve them (each a sleep) before the next load's first request
            log="$OUT/server-$model-$load.log"
            out=$(result "$model" "$load" "$round")
            case $model in
                netty) start_netty "$log" "$WORKERS" ;;
                helidon) start_peer "$log" HelidonDemoServer "$WORKERS" ;;
                sync-wide) start_demo "$log" --worker-class sync --threads 256 "${COMMON[@]}" ;;
                *) start_demo "$log" --worker-class "$model" "${COMMON[@]}" ;;
            esac || { echo "== $model did not start; see $log" >&2; rm -f "$out"; continue; }
            args=$(wrk_args "$load" "$SERVER_PORT")
            if [ "$WARMUP" != 0 ] && ! { [[ $model == sync* ]] && [ "$load" != hello ]; }; then
                # shellcheck disable=SC2086
                wrk $(wrk_args "$load" "$SERVER_PORT" "$WARMUP") >"$OUT/$model-$load.warmup.txt" 2>&1
                sleep 2
            fi
            echo "== $model${round:+ (round $round)}: wrk $args (load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
            # shellcheck disable=SC2086
            wrk $args >"$out" 2>&1
            summarize "$out"
            stop_server
            sleep 2
        done
    done
done

echo
echo "wrk matrix (each after a $WARMUP warmup): $(nproc) cores, JDK $("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.runtime\.version = //p'), server settings ${COMMON[*]}"
for load in "${LOADS[@]}"; do
    echo
    echo "wrk $(wrk_args "$load" PORT)"
    printf '  %-10s  %10s  %9s  %9s  %-40s  %s\n' server "req/s" p50 p99 "socket errors" non-2xx
    for round in $(seq 1 "$ROUNDS"); do
        [ "$ROUNDS" = 1 ] && round=""
        for model in $MODELS; do
            f=$(result "$model" "$load" "$round")
            [ -f "$f" ] || continue
            printf '  %-10s  %s\n' "$model${round:+ #$round}" "$(summarize "$f")"
        done
    done
done
