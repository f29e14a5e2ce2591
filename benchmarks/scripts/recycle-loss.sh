#!/usr/bin/env bash
# Requests lost while workers recycle (max_requests), per worker model.
#
#   benchmarks/scripts/recycle-loss.sh [model...]        # from the repo root; default: sync async virtual
#   CLIENTS=64 DURATION=20 benchmarks/scripts/recycle-loss.sh virtual
#
# Per model: starts the demo server with --workers 2 --max-requests 300 --max-requests-jitter 50
# (sync also with --threads SYNC_THREADS, default CLIENTS, so that one sync worker can hold every
# keep-alive connection while its predecessor drains), runs io.corral.benchmarks.loss.LossClient
# with CLIENTS (default 32) keep-alive clients on GET TARGET_PATH (default /hello) for DURATION
# seconds (default 10), then stops the server. LossClient never retries: a request written and not
# answered is a loss (failed_after_write). Restarts are the "served N requests (max_requests): it
# will be replaced" lines the Arbiter's logger (io.corral.arbiter, from WorkerSlot) writes once per
# retiring worker. SERVER_ARGS adds demo-server settings for every model.
#
# Prints per model: written, ok, failed_after_write, non-2xx, reconnects, restarts; then a table.
# Exits 1 if any model lost a request or answered non-2xx, 2 if a server or client did not run.
# Builds nothing: expects examples/target/corral-examples.jar and benchmarks/target/compare.jar.
# Logs and client output: benchmarks/target/recycle-loss/.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. benchmarks/scripts/lib.sh

if [ $# -gt 0 ]; then MODELS="$*"; else MODELS=${MODELS:-"sync async virtual"}; fi
CLIENTS=${CLIENTS:-32}
DURATION=${DURATION:-10}
TARGET_PATH=${TARGET_PATH:-/hello}
SYNC_THREADS=${SYNC_THREADS:-$CLIENTS}
read -r -a SERVER_EXTRA <<<"${SERVER_ARGS:-}"
pick_java
raise_nofile 20000
need_jars examples/target/corral-examples.jar benchmarks/target/compare.jar
OUT=benchmarks/target/recycle-loss
mkdir -p "$OUT"
trap stop_server EXIT
trap 'exit 130' INT TERM

COMMON=(--workers 2 --max-requests 300 --max-requests-jitter 50)
RESTART_LINE='served [0-9]* requests (max_requests): it will be replaced'

# The value of key $1 in LossClient's summary line $2 (empty if absent).

declare -A ROW
status=0
for model in $MODELS; do
    extra=()
    [ "$model" = sync ] && extra=(--threads "$SYNC_THREADS")
    log="$OUT/server-$model.log"
    echo "== $model: demo server ${COMMON[*]} ${extra[*]} ${SERVER_EXTRA[*]}; $CLIENTS keep-alive clients on $TARGET_PATH for ${DURATION}s"
    if ! start_demo "$log" --worker-class "$model" "${COMMON[@]}" "${extra[@]}" "${SERVER_EXTRA[@]}"; then
        ROW[$model]="server did not start (see $log)"
        status=2
        continue
    fi
    loss_client "$OUT/client-$model" \
        --url "http://127.0.0.1:$SERVER_PORT$TARGET_PATH" --keepalive "$CLIENTS" --duration "$DURATION"
    stop_server
    loss_report "$OUT/client-$model"
    line=$LOSS_LINE
    restarts=$(grep -c "$RESTART_LINE" "$log")
    if [ -z "$line" ]; then
        ROW[$model]="client failed (exit $LOSS_RC; see $OUT/client-$model.err)"
        status=2
        continue
    fi
    echo "   $line"
    lost=$(field failed_after_write "$line")
    non2xx=$(field non2xx "$line")
    ROW[$model]=$(printf '%9d %9d %9d %7d %10d %9d' "$(field written "$line")" "$(field ok "$line")" \
        "$lost" "$non2xx" "$(field reconnects "$line")" "$restarts")
    if ! lossless "$line"; then
        [ "$status" = 0 ] && status=1
    fi
done

echo
echo "recycle loss: $CLIENTS keep-alive clients, GET $TARGET_PATH, ${DURATION}s, ${COMMON[*]}; JDK $(java_version), $(nproc) cores"
printf '  %-8s %9s %9s %9s %7s %10s %9s\n' model written ok lost non2xx reconnects restarts
for model in $MODELS; do
    printf '  %-8s %s\n' "$model" "${ROW[$model]}"
done
exit "$status"
