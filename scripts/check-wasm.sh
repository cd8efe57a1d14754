#!/usr/bin/env bash
# check-wasm.sh - check that the sans-IO crate (shared/, package switchyard-shared) builds for
# wasm32-unknown-unknown. Exits non-zero when it does not.
#
#   scripts/check-wasm.sh
#
# Chooses the toolchain as scripts/wasm-toolchain.sh does, without the wasm-bindgen CLI that only
# the browser client needs: the rustup wasm32 target when installed (a quick incremental build);
# else `rustup target add` with a time limit; else the Debian route, ../shared/tools/wasm-env.sh
# (rustc-web, std built from source with -Zbuild-std, in its own target dir).
#
# Knobs: WASM_RUSTUP_TIMEOUT (seconds, default 240), WASM_ROUTE=debian to skip rustup.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
env_script="$root/../shared/tools/wasm-env.sh"
log() { echo "check-wasm: $*" >&2; }

has_rustup_target() {
  command -v rustup >/dev/null 2>&1 && rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown
}

route=""
if [ "${WASM_ROUTE:-}" != debian ] && command -v rustup >/dev/null 2>&1; then
  if has_rustup_target; then
    route=rustup
  else
    log "rustup target add wasm32-unknown-unknown (limit ${WASM_RUSTUP_TIMEOUT:-240}s)"
    if timeout "${WASM_RUSTUP_TIMEOUT:-240}" rustup target add wasm32-unknown-unknown >&2 && has_rustup_target; then
      route=rustup
    else
      log "rustup could not add the target; using the Debian toolchain"
    fi
  fi
fi

cd "$root"
if [ "$route" = rustup ]; then
  log "building switchyard-shared with $(rustc --version)"
  env -u RUSTC_BOOTSTRAP cargo build -p switchyard-shared --target wasm32-unknown-unknown
else
  if [ ! -f "$env_script" ]; then
    log "no rustup wasm32 target and no $env_script"
    exit 1
  fi
  # Subshell: the Debian cargo/rustc and RUSTC_BOOTSTRAP must not leak into anything else.
  (
    export WASM_ENV_NO_BROWSER=1
    # shellcheck source=/dev/null
    source "$env_script"
    log "building switchyard-shared with $(rustc --version) and -Zbuild-std"
    cargo build -p switchyard-shared --target wasm32-unknown-unknown -Zbuild-std=std,panic_abort
  )
fi
log "switchyard-shared builds for wasm32-unknown-unknown"
