#!/usr/bin/env bash
# Requests lost by a graceful shutdown (SIGTERM), per worker model.
#
#   benchmarks/scripts/shutdown-loss.sh [model...]       # from the repo root; default: sync async virtual
#   RUNS=2 benchmarks/scripts/shutdown-loss.sh sync
#
# Per model, RUNS times (default 10): starts the demo server with --workers 2 (sync also with
# --threads SYNC_THREADS, default 1, the sync default: most clients then wait in the listen
# backlog), runs io.corral.benchmarks.loss.LossClient with
#   --fresh FRESH (100) --fresh-url .../sleep?ms=SLEEP_MS (200)   a new connection per request
#   --keepalive KEEPALIVE (100) --url .../hello                     reused connections
#   --stop-on-refused --duration DURATION (15)
# sends SIGTERM to the server after TERM_AFTER seconds (3), and waits for the server to exit (up to
# WAIT_EXIT seconds, 90, then SIGKILL) and for the client to finish. After SIGTERM the server answers
# what it has taken in and then closes its listener, so connects are refused and each client stops;
# a refused connect wrote nothing and is no loss. A request written and not answered (EOF, reset,
# read timeout) is: failed_after_write. SERVER_ARGS adds demo-server settings for every model.
#
# Prints per run: the server's exit time (from SIGTERM) and exit code, written, failed_after_write;
# per model: total written, total lost, max exit time. Exits 1 on any loss or non-2xx, 2 if a
# server or client did not run. Builds nothing: expects examples/target/corral-examples.jar and
# benchmarks/target/compare.jar. Logs and client output: benchmarks/target/shutdown-loss/.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. benchmarks/scripts/lib.sh

if [ $# -gt 0 ]; then MODELS="$*"; else MODELS=${MODELS:-"sync async virtual"}; fi
RUNS=${RUNS:-10}
FRESH=${FRESH:-100}
KEEPALIVE=${KEEPALIVE:-100}
SLEEP_MS=${SLEEP_MS:-200}
DURATION=${DURATION:-15}
TERM_AFTER=${TERM_AFTER:-3}
WAIT_EXIT=${WAIT_EXIT:-90}
SYNC_THREADS=${SYNC_THREADS:-1}
read -r -a SERVER_EXTRA <<<"${SERVER_ARGS:-}"
pick_java
raise_nofile 20000
need_jars examples/target/corral-examples.jar benchmarks/target/compare.jar
OUT=benchmarks/target/shutdown-loss
mkdir -p "$OUT"
CLIENT_PID=""
cleanup() {
    [ -n "$CLIENT_PID" ] && kill "$CLIENT_PID" 2>/dev/null
    stop_server
}
trap cleanup EXIT
trap 'exit 130' INT TERM

COMMON=(--workers 2)

# The value of key $1 in LossClient's summary line $2 (empty if absent).
now_ms() { date +%s%3N; }

declare -A SUMMARY
status=0
for model in $MODELS; do
    extra=()
    [ "$model" = sync ] && extra=(--threads "$SYNC_THREADS")
    echo "== $model: demo server ${COMMON[*]} ${extra[*]} ${SERVER_EXTRA[*]}; $FRESH fresh clients on /sleep?ms=$SLEEP_MS," \
        "$KEEPALIVE keep-alive clients on /hello; SIGTERM after ${TERM_AFTER}s; $RUNS runs"
    total_written=0 total_lost=0 total_non2xx=0 max_exit_ms=0 codes="" failed_runs=0
    for run in $(seq 1 "$RUNS"); do
        log="$OUT/server-$model-$run.log"
        out="$OUT/client-$model-$run"
        if ! start_demo "$log" --worker-class "$model" "${COMMON[@]}" "${extra[@]}" "${SERVER_EXTRA[@]}"; then
            echo "   run $run: the server did not start (see $log)"
            failed_runs=$((failed_runs + 1))
            status=2
            continue
        fi
        base="http://127.0.0.1:$SERVER_PORT"
        "$JAVA" -cp benchmarks/target/compare.jar io.corral.benchmarks.loss.LossClient \
            --fresh "$FRESH" --fresh-url "$base/sleep?ms=$SLEEP_MS" --keepalive "$KEEPALIVE" --url "$base/hello" \
            --stop-on-refused --duration "$DURATION" >"$out.txt" 2>"$out.err" &
        CLIENT_PID=$!
        sleep "$TERM_AFTER"
        term_ms=$(now_ms)
        kill -TERM "$SERVER_PID"
        deadline=$((term_ms + WAIT_EXIT * 1000))
        while kill -0 "$SERVER_PID" 2>/dev/null && [ "$(now_ms)" -lt "$deadline" ]; do
            sleep 0.05
        done
        if kill -0 "$SERVER_PID" 2>/dev/null; then
            echo "   run $run: the server did not exit within ${WAIT_EXIT}s of SIGTERM; killing it"
            kill -9 "$SERVER_PID"
        fi
        exit_ms=$(($(now_ms) - term_ms))
        wait "$SERVER_PID"
        code=$?
        SERVER_PID=""
        wait "$CLIENT_PID"
        client_rc=$?
        CLIENT_PID=""
        line=$(grep '^written=' "$out.txt")
        if [ -z "$line" ]; then
            echo "   run $run: the client failed (exit $client_rc; see $out.err)"
            failed_runs=$((failed_runs + 1))
            status=2
            continue
        fi
        written=$(field written "$line")
        lost=$(field failed_after_write "$line")
        non2xx=$(field non2xx "$line")
        printf '   run %2d: server exit %6d ms, code %3d; written %7d  failed_after_write %4d  non2xx %3d  refused %4d  connect_errors %3d\n' \
            "$run" "$exit_ms" "$code" "$written" "$lost" "$non2xx" "$(field refused_connects "$line")" "$(field connect_errors "$line")"
        if [ "$lost" != 0 ] || [ "$non2xx" != 0 ]; then
            grep -v '^LossClient:' "$out.err" | head -n 6 | sed 's/^/           /'
        fi
        total_written=$((total_written + written))
        total_lost=$((total_lost + lost))
        total_non2xx=$((total_non2xx + non2xx))
        [ "$exit_ms" -gt "$max_exit_ms" ] && max_exit_ms=$exit_ms
        case " $codes " in *" $code "*) ;; *) codes="${codes:+$codes }$code" ;; esac
        if ! lossless "$line"; then
            [ "$status" = 0 ] && status=1
        fi
    done
    SUMMARY[$model]=$(printf '%4d %10d %8d %7d %12d  %s%s' "$RUNS" "$total_written" "$total_lost" "$total_non2xx" \
        "$max_exit_ms" "${codes:--}" "$([ "$failed_runs" -gt 0 ] && echo "  ($failed_runs runs did not complete)")")
done

echo
echo "shutdown loss: SIGTERM after ${TERM_AFTER}s; $FRESH fresh clients (/sleep?ms=$SLEEP_MS), $KEEPALIVE keep-alive (/hello); JDK $(java_version), $(nproc) cores"
printf '  %-8s %4s %10s %8s %7s %12s  %s\n' model runs written lost non2xx max_exit_ms exit_codes
for model in $MODELS; do
    printf '  %-8s %s\n' "$model" "${SUMMARY[$model]}"
done
exit "$status"
