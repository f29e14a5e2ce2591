#!/usr/bin/env bash
# overload_policy=reject under a flood of new connections, per worker model: issue 10's scenario.
#
#   benchmarks/scripts/reject-flood.sh [model...]        # from the repo root; default: sync async virtual
#   CLIENTS=200 DURATION=5 benchmarks/scripts/reject-flood.sh virtual
#
# Per model: the demo server with one worker, --overload-policy reject --worker-connections 50
# (sync also --threads 50, so every model has 50 slots), and io.corral.benchmarks.loss.LossClient
# with --fresh CLIENTS (default 200) clients on /sleep?ms=1000 for DURATION (default 5) seconds:
# each opens a new connection per request and sends the next at once after its answer, a 503
# included. LossClient never retries: a request written and not answered (reset, closed unanswered,
# read timeout) is a loss. Prints per model: answered 200, answered 503, other statuses, lost.
# Target: 0 lost on every model (every client beyond the 50 slots gets a 503, never a reset).
# Exits 1 if any model lost a request, 2 if a server or client did not run.
# Builds nothing: expects examples/target/corral-examples.jar and benchmarks/target/compare.jar.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. benchmarks/scripts/lib.sh

if [ $# -gt 0 ]; then MODELS="$*"; else MODELS=${MODELS:-"sync async virtual"}; fi
CLIENTS=${CLIENTS:-200}
DURATION=${DURATION:-5}
pick_java
raise_nofile 20000
need_jars examples/target/corral-examples.jar benchmarks/target/compare.jar
OUT=benchmarks/target/reject-flood
mkdir -p "$OUT"
trap stop_server EXIT
trap 'exit 130' INT TERM

COMMON=(--workers 1 --overload-policy reject --worker-connections 50)
declare -A ROW
status=0
for model in $MODELS; do
    extra=()
    [ "$model" = sync ] && extra=(--threads 50)
    log="$OUT/server-$model.log"
    echo "== $model: demo server ${COMMON[*]} ${extra[*]}; $CLIENTS fresh-connection clients on /sleep?ms=1000 for ${DURATION}s"
    if ! start_demo "$log" --worker-class "$model" "${COMMON[@]}" "${extra[@]}"; then
        ROW[$model]="server did not start (see $log)"
        status=2
        continue
    fi
    loss_client "$OUT/client-$model" \
        --url "http://127.0.0.1:$SERVER_PORT/sleep?ms=1000" --fresh "$CLIENTS" --duration "$DURATION"
    stop_server
    loss_report "$OUT/client-$model"
    line=$LOSS_LINE
    if [ -z "$line" ]; then
        ROW[$model]="client failed (exit $LOSS_RC; see $OUT/client-$model.err)"
        status=2
        continue
    fi
    echo "   $line"
    lost=$(field failed_after_write "$line")
    non2xx=$(field non2xx "$line")
    r503=$(sed -n 's/.*non2xx_by_status=[^ ]*\b503:\([0-9]*\).*/\1/p' <<<"$line")
    ROW[$model]=$(printf '%9d %9d %9d %9d %9d' "$(field written "$line")" "$(field ok "$line")" \
        "${r503:-0}" "$(( non2xx - ${r503:-0} ))" "$lost")
    [ "$lost" = 0 ] || status=1
done

echo
echo "reject flood: $CLIENTS fresh-connection clients, GET /sleep?ms=1000, ${DURATION}s, ${COMMON[*]} (sync: --threads 50); JDK $(java_version), $(nproc) cores"
printf '  %-8s %9s %9s %9s %9s %9s\n' model written 200 503 other lost
for model in $MODELS; do
    printf '  %-8s %s\n' "$model" "${ROW[$model]}"
done
exit $status
