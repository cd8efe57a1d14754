#!/usr/bin/env bash
# run.sh - end-to-end tests of the browser console in headless Chromium (or Firefox).
#
#   tests/console/run.sh                  # against target/release/switchyard (built when missing)
#   CONSOLE_BROWSER=firefox tests/console/run.sh   # the same tests in Debian's firefox-esr
#   BUILD=1 tests/console/run.sh          # rebuild the bundle (scripts/build-console.sh) and the server first
#   SWITCHYARD_BIN=… tests/console/run.sh # another binary
#   CONSOLE_STATIC=static tests/console/run.sh   # serve this bundle directory instead of the embedded one
#
# Installs what is missing: Debian chromium (firefox-esr for Firefox), `npm ci` here (playwright-core,
# puppeteer-core, binaryen; never a browser download), and the nats-py venv of tests/python.
# Screenshots land in tests/console/artifacts/ (artifacts/firefox/ for Firefox).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
log() { echo "console-tests: $*" >&2; }

case "${CONSOLE_BROWSER:-chromium}" in
  chromium) browser_pkg=chromium apt_opts="" ;;
  # Firefox's recommends are codec libraries the tests do not use.
  firefox) browser_pkg=firefox-esr apt_opts="--no-install-recommends" ;;
  *) log "CONSOLE_BROWSER must be chromium or firefox"; exit 2 ;;
esac
if ! dpkg-query -W -f='${Status}' "$browser_pkg" 2>/dev/null | grep -q 'install ok installed'; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  log "installing $browser_pkg"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q $apt_opts "$browser_pkg" >/dev/null 2>&1 \
    || { $sudo apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q $apt_opts "$browser_pkg" >/dev/null; }
fi
export PUPPETEER_SKIP_DOWNLOAD=1
( cd "$here" && { { [ -d node_modules/playwright-core ] && [ -d node_modules/puppeteer-core ] && [ -d node_modules/mqtt ]; } || npm ci --no-audit --no-fund; } )

venv="$root/tests/python/.venv"
if [ -z "${NATS_PY_PYTHON:-}" ] && [ ! -x "$venv/bin/python" ]; then
  log "creating the nats-py venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$root/tests/python/requirements.txt"
fi

if [ -n "${BUILD:-}" ]; then
  "$root/scripts/wasm-toolchain.sh" >/dev/null
  "$root/scripts/build-console.sh"
fi
if [ -z "${SWITCHYARD_BIN:-}" ]; then
  target="${CARGO_TARGET_DIR:-$root/target}"
  case "$target" in /*) ;; *) target="$root/$target" ;; esac
  if [ -n "${BUILD:-}" ] || [ ! -x "$target/release/switchyard" ]; then
    ( cd "$root" && cargo build --release -p switchyard )
  fi
fi

cd "$here"
exec node --test --test-concurrency=1 --test-timeout=600000 console.test.mjs
