#!/usr/bin/env bash
# run.sh - end-to-end tests of the browser console in headless Chromium.
#
#   tests/console/run.sh                  # against target/release/switchyard (built when missing)
#   BUILD=1 tests/console/run.sh          # rebuild the bundle (scripts/build-console.sh) and the server first
#   SWITCHYARD_BIN=… tests/console/run.sh # another binary
#   CONSOLE_STATIC=static tests/console/run.sh   # serve this bundle directory instead of the embedded one
#
# Installs what is missing: Debian chromium, `npm ci` here (playwright-core, binaryen; never a
# browser download), and the nats-py venv of tests/python. Screenshots land in tests/console/artifacts/.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
log() { echo "console-tests: $*" >&2; }

if ! dpkg-query -W -f='${Status}' chromium 2>/dev/null | grep -q 'install ok installed'; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  log "installing chromium"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q chromium >/dev/null 2>&1 \
    || { $sudo apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q chromium >/dev/null; }
fi
( cd "$here" && { { [ -d node_modules/playwright-core ] && [ -d node_modules/mqtt ]; } || npm ci --no-audit --no-fund; } )

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
exec node --test --test-concurrency=1 --test-timeout=180000 console.test.mjs
