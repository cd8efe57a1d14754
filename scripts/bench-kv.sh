#!/usr/bin/env bash
# Key-value and object-store benchmark: nats-server and switchyard side by side, one fresh server at
# a time (JetStream on a new store directory), alternating for N rounds, through the official JavaScript
# clients (@nats-io/kv and @nats-io/obj, tests/js/bench/kv-bench.mjs). Prints the medians as a Markdown table with ratios, and each server's
# peak resident memory (VmHWM) over the run, which includes the large-object put and get.
#
# Usage: scripts/bench-kv.sh [-r ROUNDS] [-k KEYS] [-m OBJECT_MIB] [-n OPS] [SWITCHYARD_BINARY]
#   defaults: 3 rounds, 10000 keys, a 100 MiB object, 5000 put+get round trips,
#   target/release/switchyard of this repository.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$PWD"

rounds=3 keys=10000 mib=100 ops=5000
while getopts "r:k:m:n:h" opt; do
  case "$opt" in
    r) rounds=$OPTARG ;;
    k) keys=$OPTARG ;;
    m) mib=$OPTARG ;;
    n) ops=$OPTARG ;;
    *) sed -n '2,10p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
target_dir="${CARGO_TARGET_DIR:-$root/target}"
switchyard="${1:-$target_dir/release/switchyard}"
nats_server="$(command -v nats-server || echo /usr/sbin/nats-server)"
[ -x "$switchyard" ] || { echo "bench-kv: no switchyard at $switchyard (cargo build --release)" >&2; exit 1; }
[ -x "$nats_server" ] || { echo "bench-kv: nats-server is not installed (apt-get install nats-server)" >&2; exit 1; }
command -v jq >/dev/null || { echo "bench-kv: needs jq" >&2; exit 1; }

( cd tests/js && { [ -d node_modules/@nats-io/kv ] || npm ci --no-audit --no-fund >&2; } )
bench="node $root/tests/js/bench/kv-bench.mjs"
port=17322
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# run NAME: start that server, run the load, print the JSON result with the server's peak RSS added.
run() {
  local name=$1 dir="$work/store-$1-$RANDOM" pid
  mkdir -p "$dir"
  if [ "$name" = nats-server ]; then
    "$nats_server" -a 127.0.0.1 -p "$port" -js -sd "$dir" >"$work/$name.log" 2>&1 &
  else
    "$switchyard" -a 127.0.0.1 -p "$port" -m 0 --no_websocket --no_mqtt -js -sd "$dir" >"$work/$name.log" 2>&1 &
  fi
  pid=$!
  for _ in $(seq 100); do (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
  local out
  out="$($bench "nats://127.0.0.1:$port" "$ops" "$keys" "$mib")" || {
    kill "$pid"; echo "bench-kv: the load failed against $name" >&2; exit 1; }
  local hwm
  hwm="$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
  echo "$out" | jq -c --arg s "$name" --argjson hwm "$hwm" '. + {server: $s, peak_rss_mib: (($hwm / 1024) | floor)}'
}

results="$work/results.jsonl"
for r in $(seq "$rounds"); do
  for s in nats-server switchyard; do
    line="$(run "$s")"
    echo "round $r: $line" >&2
    echo "$line" >>"$results"
  done
done

median() { jq -s --arg s "$1" --arg k "$2" '[.[] | select(.server == $s) | .[$k]] | sort | .[(length / 2 | floor)]' "$results"; }
echo
echo "| measure | nats-server | switchyard | ratio |"
echo "|---|---:|---:|---:|"
for k in kv_rtt_ops kv_put_ops kv_watch_keys_s kv_watch_live_s obj_put_mb_s obj_get_mb_s peak_rss_mib; do
  a="$(median nats-server "$k")" b="$(median switchyard "$k")"
  echo "| $k | $a | $b | $(awk -v a="$a" -v b="$b" 'BEGIN { printf (a > 0 ? "%.2fx" : "-"), b / a }') |"
done
echo
echo "($rounds alternating rounds, medians; $keys keys, ${mib} MiB object, $ops round trips; load: $(uptime | sed 's/.*load average: //'))"
