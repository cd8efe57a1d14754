#!/usr/bin/env bash
# Install everything the test suites need; safe to run repeatedly and quick when nothing is missing.
#   - Debian packages: the reference nats-server, mosquitto (+ clients), Chromium and ChromeDriver,
#     and Firefox ESR (without its recommended codec libraries) for the console tests in Firefox
#   - a Python venv at tests/python/.venv from tests/python/requirements.txt
#   - JavaScript packages in tests/js/node_modules from tests/js/package-lock.json (npm ci)
# Rust needs nothing beyond cargo. Each step is skipped when its inputs have not changed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

APT_PACKAGES=(nats-server mosquitto mosquitto-clients chromium chromium-driver openssl jq)
APT_PACKAGES_NO_RECOMMENDS=(firefox-esr)
PY_DIR=tests/python
JS_DIR=tests/js

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

is_installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# apt_install [--no-install-recommends] PACKAGE...: install those not installed yet.
apt_install() {
  local opts=()
  if [ "${1:-}" = --no-install-recommends ]; then
    opts+=("$1")
    shift
  fi
  local missing=()
  for pkg in "$@"; do
    is_installed "$pkg" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "install-deps: apt-get install ${opts[*]} ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! as_root apt-get install -y -q "${opts[@]}" "${missing[@]}"; then
    as_root apt-get update -q
    as_root apt-get install -y -q "${opts[@]}" "${missing[@]}"
  fi
}

# Fingerprint of the given files, to skip steps whose inputs are unchanged.
fingerprint() {
  cat "$@" | sha256sum | cut -d' ' -f1
}

apt_install "${APT_PACKAGES[@]}"
apt_install --no-install-recommends "${APT_PACKAGES_NO_RECOMMENDS[@]}"
command -v node >/dev/null && command -v npm >/dev/null || apt_install nodejs npm
command -v python3 >/dev/null || apt_install python3 python3-venv

venv="$PY_DIR/.venv"
py_stamp="$venv/.requirements.sha256"
py_want="$(fingerprint "$PY_DIR/requirements.txt")"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$py_stamp" 2>/dev/null)" != "$py_want" ]; then
  echo "install-deps: Python venv at $venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$PY_DIR/requirements.txt"
  echo "$py_want" >"$py_stamp"
fi

js_stamp="$JS_DIR/node_modules/.package-lock.sha256"
js_want="$(fingerprint "$JS_DIR/package.json" "$JS_DIR/package-lock.json")"
if [ "$(cat "$js_stamp" 2>/dev/null)" != "$js_want" ]; then
  echo "install-deps: npm ci in $JS_DIR"
  (cd "$JS_DIR" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$js_want" >"$js_stamp"
fi
