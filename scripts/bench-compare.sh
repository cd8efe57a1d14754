#!/usr/bin/env bash
# Runs `switchyard bench` scenarios against nats-server and switchyard, one server at a time, each
# started fresh on a fixed loopback port for every run, alternating (A B A B ...) for N rounds, and
# prints the medians as a Markdown table: scenario | nats-server | switchyard | ratio.
#
# Usage: scripts/bench-compare.sh [options] [SWITCHYARD_BINARY]
#   SWITCHYARD_BINARY   default target/release/switchyard of this repository
#   -r N                rounds (default 3)
#   -s "a b c"          scenarios to run (default: all; -l lists them)
#   -o FILE             also write the Markdown report to FILE
#   -q                  quick: one tenth of the message counts (smoke test, numbers not meaningful)
#   -l                  list scenarios and exit
#
# Environment (%PORT% and %DIR% are substituted; %DIR% is a fresh JetStream store directory):
#   BENCH_CMD           load generator (default "SWITCHYARD_BINARY bench")
#   NATS_CMD            default "nats-server -a 127.0.0.1 -p %PORT%"
#   NATS_JS_CMD         default "nats-server -a 127.0.0.1 -p %PORT% -js -sd %DIR%"
#   SWITCHYARD_CMD      default "SWITCHYARD_BINARY -a 127.0.0.1 -p %PORT% -m 0 --no_websocket --no_mqtt --no_jetstream"
#                       (the extra front-ends off, as nats-server runs by default)
#   SWITCHYARD_JS_CMD   default "SWITCHYARD_BINARY -a 127.0.0.1 -p %PORT% -m 0 --no_websocket --no_mqtt -js -sd %DIR%"
#   NATS_PORT / SWITCHYARD_PORT   default 17222 / 17223 (must be free: checked before every start)
#   URL_SCHEME          nats (default) or ws: drive the servers' WebSocket port instead, which the
#                       *_CMD commands must then put on %PORT% (see BENCHMARKS.md for the commands)
#   SERVER_CPUS / BENCH_CPUS      optional taskset CPU lists to pin the server and the load generator
#
# Core scenarios run with JetStream off; js*, kv* and obj* scenarios use the *_JS_CMD commands. Both servers get
# the same machine, scenario options and pinning. The recovery-1m scenario (restart after kill -9
# with 1M stored messages, and disk bytes per message) runs scripts/bench-recovery.sh with the same
# rounds, binary and commands, and appends its table. Needs bash, jq and awk.

set -euo pipefail

rounds=3
only=""
out_file=""
div=1
list=0
while getopts "r:s:o:qlh" opt; do
    case "$opt" in
        r) rounds=$OPTARG ;;
        s) only=$OPTARG ;;
        o) out_file=$OPTARG ;;
        q) div=10 ;;
        l) list=1 ;;
        h) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) exit 2 ;;
    esac
done
shift $((OPTIND - 1))
repo=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$repo/target/release/switchyard}

bench_cmd=${BENCH_CMD:-"$bin bench"}
nats_cmd=${NATS_CMD:-"nats-server -a 127.0.0.1 -p %PORT%"}
nats_js_cmd=${NATS_JS_CMD:-"nats-server -a 127.0.0.1 -p %PORT% -js -sd %DIR%"}
sy_cmd=${SWITCHYARD_CMD:-"$bin -a 127.0.0.1 -p %PORT% -m 0 --no_websocket --no_mqtt --no_jetstream"}
sy_js_cmd=${SWITCHYARD_JS_CMD:-"$bin -a 127.0.0.1 -p %PORT% -m 0 --no_websocket --no_mqtt -js -sd %DIR%"}
nats_port=${NATS_PORT:-17222}
sy_port=${SWITCHYARD_PORT:-17223}

# name | needs JetStream | bench arguments | metrics (json.path:label:format:better, separated by ;)
scenarios=(
    "pub-16|no|pub --size 16 --msgs $((10000000 / div))|pub.msgs_per_sec:msg/s:rate:high"
    "pubsub-16|no|pubsub --size 16 --msgs $((5000000 / div))|sub.msgs_per_sec:msg/s:rate:high"
    "pubsub-1k|no|pubsub --size 1024 --msgs $((1000000 / div))|sub.msgs_per_sec:msg/s:rate:high"
    "fanout5-16|no|fanout --subs 5 --size 16 --msgs $((2000000 / div))|sub.msgs_per_sec:msg/s delivered:rate:high"
    "fanout5-1k|no|fanout --subs 5 --size 1024 --msgs $((300000 / div))|sub.msgs_per_sec:msg/s delivered:rate:high"
    "queue4-128|no|queue --subs 4 --size 128 --msgs $((2000000 / div))|sub.msgs_per_sec:msg/s:rate:high"
    "wildcard-128|no|wildcard --subs 3 --subjects 1000 --size 128 --msgs $((1000000 / div))|sub.msgs_per_sec:msg/s delivered:rate:high"
    "reqrep-128|no|reqrep --size 128 --msgs $((20000 / div))|latency.p50_us:p50 µs:us:low;latency.p99_us:p99 µs:us:low"
    "reqrep-c4-128|no|reqrep --size 128 --concurrency 4 --msgs $((40000 / div))|req_per_sec:req/s:rate:high;latency.p99_us:p99 µs:us:low"
    "idle-1000|no|idle --conns $((1000 / div)) --wait 2s|bytes_per_conn:bytes/conn:bytes:low"
    "jspub-128|yes|jspub --size 128 --msgs $((200000 / div)) --window 1000|pub.msgs_per_sec:msg/s:rate:high"
    "jsfetch-128|yes|jsfetch --size 128 --msgs $((100000 / div)) --batch 100|sub.msgs_per_sec:msg/s:rate:high"
    "kvput-128|yes|kvput --size 128 --msgs $((50000 / div)) --window 256|put.msgs_per_sec:puts/s:rate:high"
    "kvrtt-128|yes|kvrtt --size 128 --msgs $((5000 / div))|rtt_per_sec:put+get/s:rate:high;latency.p99_us:p99 µs:us:low"
    "kvget-128|yes|kvget --size 128 --keys $((10000 / div)) --msgs $((200000 / div)) --window 256|get.msgs_per_sec:gets/s:rate:high"
    "kvwatch-128|yes|kvwatch --size 128 --keys $((50000 / div)) --msgs $((50000 / div)) --window 256|initial.msgs_per_sec:initial values/s:rate:high;live.msgs_per_sec:live updates/s:rate:high"
    "objput-100m|yes|objput --object-mib $((100 / div))|put.mb_per_sec:MB/s:mbs:high;server_peak_rss_kib:server peak RSS:mib:low"
    "objget-100m|yes|objget --object-mib $((100 / div))|get.mb_per_sec:MB/s:mbs:high;server_peak_rss_kib:server peak RSS in the get:mib:low"
)

recovery_msgs=$((1000000 / div))

if [[ $list == 1 ]]; then
    for s in "${scenarios[@]}"; do IFS='|' read -r name js args _ <<<"$s"; printf '%-14s %s%s\n' "$name" "$args" "$([[ $js == yes ]] && echo '  (JetStream)')"; done
    printf '%-14s %s\n' recovery-1m "scripts/bench-recovery.sh -n $recovery_msgs: kill -9 and restart with a full file stream  (JetStream)"
    exit 0
fi
command -v jq >/dev/null || { echo "bench-compare: jq is required" >&2; exit 1; }
for c in "$bench_cmd" "$nats_cmd" "$sy_cmd"; do
    command -v "${c%% *}" >/dev/null || { echo "bench-compare: not found: ${c%% *} (from \"$c\")" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-compare.XXXXXX")
server_pid=""
server_store=""
cleanup() {
    stop_server
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pin() { # pin CPUS: a taskset prefix, or nothing
    [[ -n ${1:-} ]] && printf 'taskset -c %s ' "$1"
    return 0
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# start_server TEMPLATE PORT LOG: starts the server (exec'd, so $server_pid is the server itself).
start_server() {
    local template=$1 port=$2 log=$3 cmd
    if port_open "$port"; then
        echo "bench-compare: port $port is already in use by another process (see NATS_PORT / SWITCHYARD_PORT)" >&2
        return 1
    fi
    server_store=$(mktemp -d "$work/store.XXXXXX")
    cmd=${template//%PORT%/$port}
    cmd=${cmd//%DIR%/$server_store}
    bash -c "exec $(pin "${SERVER_CPUS:-}")$cmd" >"$log" 2>&1 &
    server_pid=$!
    local deadline=$((SECONDS + 10))
    until port_open "$port" && kill -0 "$server_pid" 2>/dev/null; do
        if ! kill -0 "$server_pid" 2>/dev/null || ((SECONDS > deadline)); then
            echo "bench-compare: server did not start: $cmd" >&2
            tail -n 20 "$log" >&2
            return 1
        fi
        sleep 0.05
    done
}

stop_server() {
    [[ -n $server_pid ]] || return 0
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.05
    done
    kill -9 "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
    rm -rf "$server_store"
}

selected() { [[ -z $only ]] || [[ " $only " == *" $1 "* ]]; }

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "bench-compare: $rounds round(s); results in $work" >&2
for s in "${scenarios[@]}"; do
    IFS='|' read -r name js args metrics <<<"$s"
    selected "$name" || continue
    for round in $(seq 1 "$rounds"); do
        for side in nats switchyard; do
            if [[ $side == nats ]]; then
                port=$nats_port
                [[ $js == yes ]] && template=$nats_js_cmd || template=$nats_cmd
            else
                port=$sy_port
                [[ $js == yes ]] && template=$sy_js_cmd || template=$sy_cmd
            fi
            result="$work/$name.$side.$round"
            start_server "$template" "$port" "$result.server.log"
            # shellcheck disable=SC2086 # bench_cmd and args are word lists
            if $(pin "${BENCH_CPUS:-}")$bench_cmd $args --url "${URL_SCHEME:-nats}://127.0.0.1:$port" --server-pid "$server_pid" --json \
                >"$result.json" 2>"$result.log"; then
                status=ok
            else
                status=failed
            fi
            stop_server
            echo "$status" >"$result.status"
            line=$(tail -n 1 "$result.json" 2>/dev/null || true)
            IFS=';' read -ra metric_list <<<"$metrics"
            summary=$(for m in "${metric_list[@]}"; do jq -r ".${m%%:*} // \"?\"" <<<"$line" 2>/dev/null || echo "?"; done | xargs)
            printf 'bench-compare: %-14s round %d %-10s %-6s %s\n' "$name" "$round" "$side" "$status" "$summary" >&2
            [[ $status == ok ]] || sed 's/^/    /' "$result.log" | tail -n 8 >&2
        done
    done
done

# median of numbers on stdin ("-" when none)
median() { sort -g | awk '{v[NR] = $1} END { if (NR == 0) { print "-" } else if (NR % 2) { print v[(NR + 1) / 2] } else { print (v[NR / 2] + v[NR / 2 + 1]) / 2 } }'; }

fmt() { # fmt KIND VALUE
    [[ $2 == - ]] && { echo "-"; return; }
    case $1 in
        rate) awk -v v="$2" 'BEGIN { if (v >= 1e6) printf "%.2f M", v / 1e6; else if (v >= 1e3) printf "%.1f K", v / 1e3; else printf "%.0f", v }' ;;
        us) awk -v v="$2" 'BEGIN { printf "%.1f µs", v }' ;;
        bytes) awk -v v="$2" 'BEGIN { printf "%.1f KB", v / 1000 }' ;;
        mbs) awk -v v="$2" 'BEGIN { printf "%.1f MB/s", v }' ;;
        mib) awk -v v="$2" 'BEGIN { printf "%.0f MiB", v / 1024 }' ;;
    esac
}

values() { # values NAME SIDE PATH: one number per successful run
    local f
    for f in "$work/$1.$2".*.json; do
        [[ -f $f && $(cat "${f%.json}.status") == ok ]] || continue
        tail -n 1 "$f" | jq -r ".$3 // empty" 2>/dev/null || true
    done
}

failures() { # failures NAME SIDE: count of failed runs
    grep -lx failed "$work/$1.$2".*.status 2>/dev/null | wc -l
}

report() {
    echo "| scenario | nats-server | switchyard | ratio |"
    echo "|---|---:|---:|---:|"
    local s name js args metrics m path label kind better a b ratio note metric_list
    for s in "${scenarios[@]}"; do
        IFS='|' read -r name js args metrics <<<"$s"
        selected "$name" || continue
        IFS=';' read -ra metric_list <<<"$metrics"
        for m in "${metric_list[@]}"; do
            IFS=: read -r path label kind better <<<"$m"
            a=$(values "$name" nats "$path" | median)
            b=$(values "$name" switchyard "$path" | median)
            ratio=$(awk -v a="$a" -v b="$b" 'BEGIN { if (a == "-" || b == "-" || a + 0 == 0) print "-"; else printf "%.2f", b / a }')
            note=""
            [[ $better == low ]] && note=", lower is better"
            fa=$(failures "$name" nats)
            fb=$(failures "$name" switchyard)
            ((fa > 0)) && a_note=" ⚠ $fa failed" || a_note=""
            ((fb > 0)) && b_note=" ⚠ $fb failed" || b_note=""
            echo "| $name ($label$note) | $(fmt "$kind" "$a")$a_note | $(fmt "$kind" "$b")$b_note | $ratio |"
        done
    done
    echo
    echo "Server CPU seconds per run (median):"
    echo
    echo "| scenario | nats-server | switchyard |"
    echo "|---|---:|---:|"
    for s in "${scenarios[@]}"; do
        IFS='|' read -r name _ <<<"$s"
        selected "$name" || continue
        a=$(values "$name" nats server_cpu_s | median)
        b=$(values "$name" switchyard server_cpu_s | median)
        echo "| $name | $(awk -v v="$a" 'BEGIN { print (v == "-") ? "-" : sprintf("%.2f", v) }') | $(awk -v v="$b" 'BEGIN { print (v == "-") ? "-" : sprintf("%.2f", v) }') |"
    done
    echo
    echo "Every run (in round order; failed runs left out):"
    echo
    for s in "${scenarios[@]}"; do
        IFS='|' read -r name js args metrics <<<"$s"
        selected "$name" || continue
        IFS=';' read -ra metric_list <<<"$metrics"
        for m in "${metric_list[@]}"; do
            IFS=: read -r path label kind better <<<"$m"
            a=$(values "$name" nats "$path" | while read -r v; do fmt "$kind" "$v"; echo; done | paste -sd ',' | sed 's/,/, /g')
            b=$(values "$name" switchyard "$path" | while read -r v; do fmt "$kind" "$v"; echo; done | paste -sd ',' | sed 's/,/, /g')
            echo "- $name ($label): nats-server [$a]; switchyard [$b]"
        done
    done
    echo
    echo "Medians of $rounds alternating run(s) per server; ratio = switchyard / nats-server."
    echo "Load average before: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg)."
    echo "nats-server: $(${nats_cmd%% *} --version 2>/dev/null || echo unknown); load generator: $bench_cmd; $(nproc) CPUs."
    ((div == 1)) || echo "Quick mode: message counts divided by $div; numbers are not meaningful."
}

any_selected=0
for s in "${scenarios[@]}"; do selected "${s%%|*}" && any_selected=1; done
table=""
((any_selected)) && table=$(report)
if selected recovery-1m; then
    recovery=$(NATS_JS_CMD=$nats_js_cmd SWITCHYARD_JS_CMD=$sy_js_cmd NATS_PORT=$nats_port SWITCHYARD_PORT=$sy_port \
        BENCH_CMD=$bench_cmd "$repo/scripts/bench-recovery.sh" -r "$rounds" -n "$recovery_msgs" "$bin")
    table=$(printf '%s\n\n%s' "$table" "$recovery")
fi
echo "$table"
if [[ -n $out_file ]]; then
    echo "$table" >"$out_file"
    echo "bench-compare: report written to $out_file" >&2
fi
# Keep the raw results when a run failed, so they can be inspected.
if grep -qlx failed "$work"/*.status 2>/dev/null; then
    kept="${TMPDIR:-/tmp}/bench-compare-failed.$$"
    cp -r "$work" "$kept"
    echo "bench-compare: some runs failed; raw results kept in $kept" >&2
fi
