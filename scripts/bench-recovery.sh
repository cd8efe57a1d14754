#!/usr/bin/env bash
# Recovery after `kill -9` with a large file-store stream, nats-server against switchyard.
#
# For each server, in alternating rounds: start it on a fresh store directory, publish N messages
# of SIZE bytes with acks into a file stream (`switchyard bench jspub --keep-stream`), wait for the
# writes to settle, measure the store directory (disk bytes per message), `kill -9` the server,
# start it again on the same directory and time how long it takes from that start until a
# `$JS.API.STREAM.INFO` request answers with all N messages (`switchyard bench jsready`). Prints a
# Markdown table of the medians.
#
# Usage: scripts/bench-recovery.sh [options] [SWITCHYARD_BINARY]
#   SWITCHYARD_BINARY   default target/release/switchyard of this repository
#   -r N                rounds (default 3)
#   -n N                messages (default 1000000)
#   -b SIZE             payload bytes (default 128)
#
# Environment: BENCH_CMD, NATS_JS_CMD, SWITCHYARD_JS_CMD, NATS_PORT, SWITCHYARD_PORT as for
# scripts/bench-compare.sh (%PORT% and %DIR% are substituted). SETTLE (default 3) is the number
# of seconds waited between the last publish ack and the kill (nats-server writes its message
# blocks asynchronously; a shorter wait measures lost messages, not recovery).

set -euo pipefail

rounds=3
msgs=1000000
size=128
while getopts "r:n:b:h" opt; do
    case "$opt" in
        r) rounds=$OPTARG ;;
        n) msgs=$OPTARG ;;
        b) size=$OPTARG ;;
        h) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) exit 2 ;;
    esac
done
shift $((OPTIND - 1))
repo=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$repo/target/release/switchyard}

bench_cmd=${BENCH_CMD:-"$bin bench"}
nats_js_cmd=${NATS_JS_CMD:-"nats-server -a 127.0.0.1 -p %PORT% -js -sd %DIR%"}
sy_js_cmd=${SWITCHYARD_JS_CMD:-"$bin -a 127.0.0.1 -p %PORT% -m 0 --no_websocket --no_mqtt -js -sd %DIR%"}
nats_port=${NATS_PORT:-17222}
sy_port=${SWITCHYARD_PORT:-17223}
settle=${SETTLE:-3}

command -v jq >/dev/null || { echo "bench-recovery: jq is required" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-recovery.XXXXXX")
server_pid=""
cleanup() {
    [[ -n $server_pid ]] && kill -9 "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start() { # start TEMPLATE PORT DIR LOG
    local cmd=${1//%PORT%/$2}
    cmd=${cmd//%DIR%/$3}
    bash -c "exec $cmd" >>"$4" 2>&1 &
    server_pid=$!
}

wait_port() { # wait_port PORT LOG
    local deadline=$((SECONDS + 30))
    until port_open "$1"; do
        if ! kill -0 "$server_pid" 2>/dev/null || ((SECONDS > deadline)); then
            echo "bench-recovery: server did not start" >&2
            tail -n 20 "$2" >&2
            return 1
        fi
        sleep 0.05
    done
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "bench-recovery: $rounds round(s), $msgs messages of $size B; results in $work" >&2
for round in $(seq 1 "$rounds"); do
    for side in nats switchyard; do
        if [[ $side == nats ]]; then template=$nats_js_cmd port=$nats_port; else template=$sy_js_cmd port=$sy_port; fi
        if port_open "$port"; then
            echo "bench-recovery: port $port is already in use" >&2
            exit 1
        fi
        dir="$work/store.$side.$round"
        log="$work/$side.$round.server.log"
        mkdir -p "$dir"
        start "$template" "$port" "$dir" "$log"
        wait_port "$port" "$log"
        # shellcheck disable=SC2086 # bench_cmd is a word list
        $bench_cmd jspub --size "$size" --msgs "$msgs" --window 1000 --keep-stream \
            --url "nats://127.0.0.1:$port" --json >"$work/$side.$round.fill.json" 2>"$work/$side.$round.fill.log" ||
            { echo "bench-recovery: filling $side failed" >&2; tail -n 5 "$work/$side.$round.fill.log" >&2; exit 1; }
        sleep "$settle"
        bytes=$(du -sb "$dir" | cut -f1)
        kill -9 "$server_pid"
        wait "$server_pid" 2>/dev/null || true
        t0=$(date +%s%N)
        start "$template" "$port" "$dir" "$log"
        # shellcheck disable=SC2086
        if $bench_cmd jsready --msgs "$msgs" --url "nats://127.0.0.1:$port" --json \
            >"$work/$side.$round.ready.json" 2>"$work/$side.$round.ready.log"; then
            ready=$(tail -n 1 "$work/$side.$round.ready.json" | jq -r .ready_unix_ns)
            ms=$(awk -v a="$t0" -v b="$ready" 'BEGIN { printf "%.0f", (b - a) / 1e6 }')
        else
            ms="failed"
            tail -n 5 "$work/$side.$round.ready.log" >&2
        fi
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=""
        per_msg=$(awk -v b="$bytes" -v n="$msgs" 'BEGIN { printf "%.1f", b / n }')
        echo "$ms $bytes $per_msg" >"$work/$side.$round.result"
        printf 'bench-recovery: round %d %-10s recovery %s ms, store %s bytes (%s B/msg)\n' \
            "$round" "$side" "$ms" "$bytes" "$per_msg" >&2
        rm -rf "$dir"
    done
done

median() { sort -g | awk '{v[NR] = $1} END { if (NR == 0) { print "-" } else if (NR % 2) { print v[(NR + 1) / 2] } else { print (v[NR / 2] + v[NR / 2 + 1]) / 2 } }'; }
column() { # column SIDE FIELD: one value per successful round
    for f in "$work/$1".*.result; do
        awk -v i="$2" '$1 != "failed" { print $i }' "$f"
    done
}
runs() { column "$1" 1 | paste -sd ',' | sed 's/,/, /g'; }

echo "| $msgs × $size B file stream | nats-server | switchyard | ratio |"
echo "|---|---:|---:|---:|"
a=$(column nats 1 | median)
b=$(column switchyard 1 | median)
echo "| recovery after kill -9 until stream info answers (ms, lower is better) | $a | $b | $(awk -v a="$a" -v b="$b" 'BEGIN { print (a + 0 > 0 && b != "-") ? sprintf("%.2f", b / a) : "-" }') |"
a=$(column nats 3 | median)
b=$(column switchyard 3 | median)
echo "| store on disk (bytes per message, lower is better) | $a | $b | $(awk -v a="$a" -v b="$b" 'BEGIN { print (a + 0 > 0 && b != "-") ? sprintf("%.2f", b / a) : "-" }') |"
echo
echo "Recovery runs (ms): nats-server [$(runs nats)]; switchyard [$(runs switchyard)]."
echo "Medians of $rounds alternating round(s); $settle s between the last publish ack and kill -9;"
echo "load average before: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs."
