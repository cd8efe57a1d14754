#!/usr/bin/env bash
# run.sh - browser tests of the web client.
#
#   tests/browser/run.sh            # Playwright e2e of static/demo against a fresh nats-server
#   BUILD=1 tests/browser/run.sh    # rebuild static/web-client first (scripts/build-web-client.sh)
#   WASM_TESTS=1 tests/browser/run.sh   # also the wasm-bindgen tests of web-client/ in headless Chromium
#   WS_URL=ws://127.0.0.1:8080 NATS_URL=nats://127.0.0.1:4222 tests/browser/run.sh   # a running server
#   WEB_CLIENT_BROWSER=firefox tests/browser/run.sh   # the e2e in Debian's firefox-esr (through
#                                   # tests/console's driver and packages) instead of Chromium
#
# Installs what is missing: Debian chromium (+ chromium-driver for WASM_TESTS) and nats-server,
# then `npm ci` here (playwright-core, binaryen). Never downloads a browser of its own.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
log() { echo "browser-tests: $*" >&2; }

pkgs="chromium"
[ "${WEB_CLIENT_BROWSER:-chromium}" != firefox ] || pkgs="firefox-esr"
[ -n "${WS_URL:-}" ] || pkgs="$pkgs nats-server"
[ -z "${WASM_TESTS:-}" ] || pkgs="$pkgs chromium-driver nats-server"
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  log "installing:$missing"
  opts=""
  # Firefox's recommends are codec libraries the tests do not use.
  case "$missing" in *firefox-esr*) opts="--no-install-recommends" ;; esac
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q $opts $missing >/dev/null 2>&1 \
    || { $sudo apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q $opts $missing >/dev/null; }
fi

( cd "$here" && { [ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund; } )
if [ "${WEB_CLIENT_BROWSER:-chromium}" = firefox ]; then
  ( cd "$root/tests/console" && { [ -d node_modules/puppeteer-core ] || PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund; } )
fi

if [ -n "${BUILD:-}" ] || [ ! -f "$root/static/web-client/switchyard_web.js" ]; then
  "$root/scripts/wasm-toolchain.sh"
  "$root/scripts/build-web-client.sh"
fi

( cd "$here" && node --test --test-concurrency=1 e2e.test.mjs )

if [ -n "${WASM_TESTS:-}" ]; then
  "$root/scripts/wasm-toolchain.sh" >/dev/null
  dir="$(mktemp -d)"
  ports="$(node -e 'const n=require("net");const f=()=>new Promise(r=>{const s=n.createServer().listen(0,"127.0.0.1",()=>{const p=s.address().port;s.close(()=>r(p))})});Promise.all([f(),f()]).then(p=>console.log(p.join(" ")))')"
  read -r tcp ws <<<"$ports"
  printf 'listen: "127.0.0.1:%s"\nwebsocket { host: "127.0.0.1", port: %s, no_tls: true }\njetstream { store_dir: "%s" }\n' \
    "$tcp" "$ws" "$dir/js" >"$dir/server.conf"
  nats-server -c "$dir/server.conf" >"$dir/server.log" 2>&1 &
  server=$!
  trap 'kill $server 2>/dev/null; rm -rf "$dir"' EXIT
  sleep 0.5
  cd "$root"
  export PATH="$PATH:$HOME/.cargo/bin" CHROMEDRIVER=/usr/bin/chromedriver \
    CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner CARGO_TARGET_DIR="${WASM_TARGET_DIR:-$root/target/wasm}"
  if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    SWITCHYARD_TEST_WS_URL="ws://127.0.0.1:$ws" cargo test -p switchyard-web-client --target wasm32-unknown-unknown --test browser
  else
    ( source "$root/../shared/tools/wasm-env.sh" && SWITCHYARD_TEST_WS_URL="ws://127.0.0.1:$ws" \
        cargo test -p switchyard-web-client --target wasm32-unknown-unknown --test browser -Zbuild-std=std,panic_abort )
  fi
fi
