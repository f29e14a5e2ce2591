#!/usr/bin/env bash
# HTTPS per worker model beside Netty's SslHandler (JDK provider), with wrk and openssl s_time.
#
#   benchmarks/scripts/tls-matrix.sh              # from the repo root
#   MODELS="virtual async netty" benchmarks/scripts/tls-matrix.sh
#   MODELS=virtual LOADS=sleep100 benchmarks/scripts/tls-matrix.sh     # one load (hello, sleep100, handshake)
#
# Makes a certificate for localhost with the JDK's keytool (EC P-256, in a PKCS#12 keystore under
# benchmarks/target/tls-matrix; nothing is committed), then per server (fresh each time, 5 s of
# unrecorded warmup of the same load, except the handshake load):
#   wrk -t2 -c64 -d10s --latency https://127.0.0.1:PORT/hello                       (keep-alive)
#   wrk -t2 -c1000 -d15s --latency 'https://127.0.0.1:PORT/sleep?ms=100'            (keep-alive)
#   HANDSHAKERS x openssl s_time -new -connect 127.0.0.1:PORT -www /hello -time 10  (a full handshake per request)
# The last is the server's full TLS handshakes per second from new connections: HANDSHAKERS
# (default 4) s_time processes at once, each connecting, handshaking without resuming a session
# (-new), sending GET /hello as HTTP/1.0 and reading to the server's close, over and over; their
# connection counts summed and divided by the 10 s. (wrk with 'Connection: close' does not measure
# this: it keeps its OpenSSL session across reconnects and resumes it.) Corral's models run with --workers 2 --keepalive 75 --worker-connections
# 10000 --backlog 8192 --keystore ... (sync with --threads 256); Netty with 2 event loops, the
# same keystore, TLS 1.3 and 1.2, the JDK's TLS provider. wrk shares the two cores.
# Builds nothing: expects examples/target/corral-examples.jar and benchmarks/target/compare.jar.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. benchmarks/scripts/lib.sh

MODELS=${MODELS:-"sync virtual async netty"}
WARMUP=${WARMUP:-5s}
pick_java
raise_nofile 20000
need_jars examples/target/corral-examples.jar benchmarks/target/compare.jar
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
command -v openssl >/dev/null || { echo "openssl is not installed (apt-get install openssl)" >&2; exit 1; }
HANDSHAKERS=${HANDSHAKERS:-4}
OUT=benchmarks/target/tls-matrix
mkdir -p "$OUT"
trap stop_server EXIT

KS="$OUT/server.p12"
if [ ! -f "$KS" ]; then
    "$JAVA_HOME/bin/keytool" -genkeypair -alias server -keyalg EC -groupname secp256r1 \
        -dname CN=localhost -ext SAN=dns:localhost,ip:127.0.0.1 -validity 30 -storetype PKCS12 \
        -keystore "$KS" -storepass benchmark -keypass benchmark >/dev/null 2>&1 \
        || { echo "keytool could not make a certificate" >&2; exit 1; }
fi
TLS=(--keystore "$KS" --keystore-password benchmark)
COMMON=(--workers 2 --keepalive 75 --worker-connections 10000 --backlog 8192)
read -r -a LOADS <<<"${LOADS:-hello sleep100 handshake}"

wrk_args() {
    case $1 in
        hello) echo "-t2 -c64 -d${3:-10s} --latency https://127.0.0.1:$2/hello" ;;
        sleep100) echo "-t2 -c1000 -d${3:-15s} --latency https://127.0.0.1:$2/sleep?ms=100" ;;
    esac
}

# Full handshakes per second against port $1 into file $2: HANDSHAKERS s_time processes for 10 s.
handshakes() {
    local port=$1 out=$2 i pids=() start end
    start=$(date +%s.%N)
    for i in $(seq 1 "$HANDSHAKERS"); do
        openssl s_time -new -connect "127.0.0.1:$port" -www /hello -time 10 >"$out.$i" 2>&1 &
        pids+=($!)
    done
    wait "${pids[@]}" # not a bare wait: the server is a child of this shell too
    end=$(date +%s.%N)
    # each prints "N connections in T real seconds, B bytes read per connection" (T in whole
    # seconds): the connections are summed and divided by the wall time of the whole batch
    cat "$out".? | awk -v t="$(awk -v s="$start" -v e="$end" 'BEGIN { print e - s }')" '
        /connections in [0-9.]+ real seconds/ { n += $1 }
        END { if (n > 0) printf "%10.0f  handshakes/s (%d connections in %.1f s)\n", n / t, n, t; else print "no result" }' >"$out"
    rm -f "$out".?
}

for model in $MODELS; do
    for load in "${LOADS[@]}"; do
        log="$OUT/server-$model-$load.log"
        case $model in
            netty)
                : >"$log"
                "$JAVA" -Xmx2g -cp benchmarks/target/compare.jar io.corral.benchmarks.peers.NettyDemoServer \
                    --bind 127.0.0.1:0 --workers 2 --backlog 8192 "${TLS[@]}" >>"$log" 2>&1 &
                SERVER_PID=$!
                wait_port "$log" 'READY \([0-9]*\)' ;;
            sync) start_demo "$log" --worker-class sync --threads 256 "${COMMON[@]}" "${TLS[@]}" ;;
            *) start_demo "$log" --worker-class "$model" "${COMMON[@]}" "${TLS[@]}" ;;
        esac || { echo "== $model did not start; see $log" >&2; rm -f "$OUT/$model-$load.txt"; continue; }
        if [ "$WARMUP" != 0 ] && [ "$load" != handshake ]; then
            # shellcheck disable=SC2086
            wrk $(wrk_args "$load" "$SERVER_PORT" "$WARMUP") >/dev/null 2>&1
            sleep 1
        fi
        if [ "$load" = handshake ]; then
            echo "== $model: $HANDSHAKERS x openssl s_time -new -www /hello -time 10 (load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
            handshakes "$SERVER_PORT" "$OUT/$model-$load.txt"
            cat "$OUT/$model-$load.txt"
        else
            args=$(wrk_args "$load" "$SERVER_PORT")
            echo "== $model: wrk $args (load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
            # shellcheck disable=SC2086
            wrk $args >"$OUT/$model-$load.txt" 2>&1
            summarize "$OUT/$model-$load.txt"
        fi
        stop_server
        sleep 1
    done
done

echo
echo "HTTPS matrix: $(nproc) cores, JDK $(java_version), server settings ${COMMON[*]} (sync: --threads 256)"
for load in "${LOADS[@]}"; do
    echo
    if [ "$load" = handshake ]; then
        echo "$HANDSHAKERS x openssl s_time -new -connect 127.0.0.1:PORT -www /hello -time 10"
    else
        echo "wrk $(wrk_args "$load" PORT)"
        printf '  %-10s  %10s  %9s  %9s  %-40s  %s\n' server "req/s" p50 p99 "socket errors" non-2xx
    fi
    for model in $MODELS; do
        f="$OUT/$model-$load.txt"
        [ -f "$f" ] || continue
        if [ "$load" = handshake ]; then
            printf '  %-10s  %s\n' "$model" "$(cat "$f")"
        else
            printf '  %-10s  %s\n' "$model" "$(summarize "$f")"
        fi
    done
done
