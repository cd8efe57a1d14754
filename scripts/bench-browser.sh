#!/usr/bin/env bash
# bench-browser.sh - in-browser publish throughput: the switchyard web client against the official
# JavaScript client (wsconnect), side by side in one headless Chromium page, over WebSocket to one
# server, a raw-TCP subscriber counting arrivals (tests/browser/bench/).
#
#   scripts/bench-browser.sh                        # against target/release/switchyard
#   scripts/bench-browser.sh --server nats-server   # the same against Debian's nats-server
#   scripts/bench-browser.sh --bin /path/to/switchyard --rounds 5 --cases 200000x16,50000x1024
#
# Installs what is missing (Debian chromium; nats-server when asked for), then `npm ci` in
# tests/browser. Builds the release server when --bin is not given and it is absent. Never
# downloads a browser of its own. Prints a Markdown table (medians, ratio switchyard / wsconnect).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
here="$root/tests/browser"
log() { echo "bench-browser: $*" >&2; }

server=switchyard bin=""
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[$i]}" in
    --server) server="${args[$((i + 1))]}" ;;
    --bin) bin="${args[$((i + 1))]}" ;;
  esac
done

pkgs="chromium"
[ "$server" != nats-server ] || pkgs="$pkgs nats-server"
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  log "installing:$missing"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q $missing >/dev/null 2>&1 \
    || { $sudo apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q $missing >/dev/null; }
fi

( cd "$here" && { [ -d node_modules/playwright-core ] && [ -d node_modules/@nats-io/nats-core ] || npm ci --no-audit --no-fund; } )

if [ ! -f "$root/static/web-client/switchyard_web.js" ]; then
  "$root/scripts/wasm-toolchain.sh"
  "$root/scripts/build-web-client.sh"
fi
if [ "$server" = switchyard ] && [ -z "$bin" ] && [ ! -x "$root/target/release/switchyard" ]; then
  log "building the release server"
  ( cd "$root" && cargo build --release -p switchyard )
fi

log "load before: $(uptime)"
cd "$here"
node bench/bench.mjs "$@"
