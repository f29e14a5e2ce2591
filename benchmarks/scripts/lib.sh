# Shared helpers for the measurement scripts; sourced, not run. Bash, from the repo root.

# Picks a JDK 21+ (JAVA_HOME if new enough, else the newest under /usr/lib/jvm) into $JAVA.
pick_java() {
    local major
    java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | cut -d. -f1; }
    if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] && [ "$(java_major "$JAVA_HOME")" -ge 21 ] 2>/dev/null; then
        :
    else
        JAVA_HOME=""
        for dir in /usr/lib/jvm/*; do
            [ -x "$dir/bin/java" ] || continue
            major=$(java_major "$dir")
            if [ -n "$major" ] && [ "$major" -ge 21 ]; then
                if [ -z "$JAVA_HOME" ] || [ "$major" -gt "$(java_major "$JAVA_HOME")" ]; then JAVA_HOME="$dir"; fi
            fi
        done
    fi
    [ -n "$JAVA_HOME" ] || { echo "no JDK 21 or newer found; set JAVA_HOME" >&2; exit 1; }
    export JAVA_HOME
    JAVA="$JAVA_HOME/bin/java"
}

# Raises the open-file soft limit to $1 (or as far as the hard limit allows) and warns if short.
raise_nofile() {
    local want=$1 hard
    hard=$(ulimit -Hn)
    if [ "$hard" != "unlimited" ] && [ "$hard" -lt "$want" ]; then
        echo "warning: the open-file hard limit is $hard, below the $want these runs need; results at high concurrency will show connect errors" >&2
        want=$hard
    fi
    ulimit -n "$want" || echo "warning: could not raise the open-file limit to $want (now $(ulimit -n))" >&2
}

# Checks that the jars exist; these scripts build nothing.
need_jars() {
    local jar
    for jar in "$@"; do
        [ -f "$jar" ] || { echo "missing $jar: build first with 'mvn -B -q package -DskipTests'" >&2; exit 1; }
    done
}

# Starts the demo server (DEMO_JAR, default the built one: set it to compare a build from another
# commit) with the given settings on a free port; sets SERVER_PID and SERVER_PORT.
# Args: log file, then demo-server settings.
start_demo() {
    local log=$1; shift
    : >"$log"
    "$JAVA" -Xmx2g -jar "${DEMO_JAR:-examples/target/corral-examples.jar}" --bind 127.0.0.1:0 "$@" >>"$log" 2>&1 &
    SERVER_PID=$!
    wait_port "$log" 'ready at https\?://127\.0\.0\.1:\([0-9]*\)/' || { cat "$log" >&2; return 1; }
}

# Starts a peer server from benchmarks/ (a class printing READY <port>) on a free port; sets
# SERVER_PID and SERVER_PORT. Args: log file, class (simple name under io.corral.benchmarks.peers),
# workers.
start_peer() {
    local log=$1 class=$2 workers=$3
    : >"$log"
    "$JAVA" -Xmx2g -cp benchmarks/target/compare.jar "io.corral.benchmarks.peers.$class" \
        --bind 127.0.0.1:0 --workers "$workers" --backlog 8192 >>"$log" 2>&1 &
    SERVER_PID=$!
    wait_port "$log" 'READY \([0-9]*\)' || { cat "$log" >&2; return 1; }
}

# Starts the Netty demo server on a free port; sets SERVER_PID and SERVER_PORT. Args: log file, workers.
start_netty() { start_peer "$1" NettyDemoServer "$2"; }

# Waits up to 60 s for a log line matching the sed pattern $2 (one group: the port).
wait_port() {
    local log=$1 pattern=$2 i
    for i in $(seq 1 600); do
        SERVER_PORT=$(sed -n "s|.*$pattern.*|\1|p" "$log" | head -n 1)
        [ -n "$SERVER_PORT" ] && return 0
        kill -0 "$SERVER_PID" 2>/dev/null || { echo "the server exited while starting" >&2; return 1; }
        sleep 0.1
    done
    echo "the server did not start within 60 s" >&2
    return 1
}

# Stops the server started last (SIGTERM, then SIGKILL after 10 s).
stop_server() {
    [ -n "${SERVER_PID:-}" ] || return 0
    kill "$SERVER_PID" 2>/dev/null
    for _ in $(seq 1 100); do
        kill -0 "$SERVER_PID" 2>/dev/null || { SERVER_PID=""; return 0; }
        sleep 0.1
    done
    kill -9 "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
    SERVER_PID=""
}

# Runs io.corral.benchmarks.loss.LossClient with the arguments after $1, its summary line into
# $1.txt and its breakdown of failures into $1.err; sets LOSS_RC to its exit status.
loss_client() {
    local out=$1; shift
    "$JAVA" -cp benchmarks/target/compare.jar io.corral.benchmarks.loss.LossClient "$@" >"$out.txt" 2>"$out.err"
    LOSS_RC=$?
}

# After loss_client $1: prints the start of its breakdown, indented, and sets LOSS_LINE to its
# summary line (empty if the client printed none).
loss_report() {
    sed 's/^/   /' "$1.err" | head -n 20
    LOSS_LINE=$(grep '^written=' "$1.txt")
}

# Prints the number after NAME= in a LossClient summary line: field NAME LINE.
field() { sed -n "s/.*\\b$1=\\([0-9]*\\).*/\\1/p" <<<"$2"; }

# True if a LossClient summary line shows nothing lost, every status 2xx and nothing in flight.
lossless() {
    [ "$(field failed_after_write "$1")" = 0 ] && [ "$(field non2xx "$1")" = 0 ] && [ "$(field in_flight "$1")" = 0 ]
}

# Prints the runtime version of $JAVA (after pick_java).
java_version() { "$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.runtime\.version = //p'; }

# One summary cell from a wrk output file: req/s, p50, p99, socket errors, non-2xx.
summarize() {
    local f=$1
    awk '
        /Requests\/sec:/ { rps = $2 }
        /^ +50%/ { p50 = $2 }
        /^ +99%/ { p99 = $2 }
        /Socket errors:/ { gsub(",", ""); errs = "connect " $4 " read " $6 " write " $8 " timeout " $10 }
        /Non-2xx or 3xx responses:/ { non2xx = $5 }
        END {
            if (rps == "") { print "no result"; exit }
            printf "%10.0f  %9s  %9s  %-40s  %s\n", rps, p50, p99, (errs == "" ? "none" : errs), (non2xx == "" ? 0 : non2xx)
        }' "$f"
}
