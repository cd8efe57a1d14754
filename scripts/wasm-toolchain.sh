#!/usr/bin/env bash
# wasm-toolchain.sh - install what building the browser client (web-client/) needs. Idempotent.
#
#   scripts/wasm-toolchain.sh
#
# 1. A wasm32-unknown-unknown standard library: `rustup target add` (with a time limit) first; when
#    that is impossible, the Debian route: ../shared/tools/wasm-env.sh (rustc-web + rust-web-src,
#    std built from source with -Zbuild-std).
# 2. wasm-bindgen-cli at exactly the wasm-bindgen version in Cargo.lock.
# Prints the chosen route as `WASM_ROUTE=rustup|debian` (scripts/build-web-client.sh detects the
# same way).
#
# Knobs: WASM_RUSTUP_TIMEOUT (seconds, default 240), WASM_ROUTE=debian to skip rustup.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
env_script="$root/../shared/tools/wasm-env.sh"
log() { echo "wasm-toolchain: $*" >&2; }

has_rustup_target() {
  command -v rustup >/dev/null 2>&1 && rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown
}

route=""
if [ "${WASM_ROUTE:-}" != "debian" ]; then
  if has_rustup_target; then
    route=rustup
  elif command -v rustup >/dev/null 2>&1; then
    log "rustup target add wasm32-unknown-unknown (limit ${WASM_RUSTUP_TIMEOUT:-240}s)"
    if timeout "${WASM_RUSTUP_TIMEOUT:-240}" rustup target add wasm32-unknown-unknown >&2 && has_rustup_target; then
      route=rustup
    else
      log "rustup could not add the target; falling back to the Debian toolchain"
    fi
  fi
fi
if [ -z "$route" ]; then
  if [ ! -f "$env_script" ]; then
    log "no rustup wasm32 target and no $env_script"
    exit 1
  fi
  # Installs rustc-web, cargo-web, rust-web-src, lld-22 (and chromium) when missing.
  ( cd "$root" && bash "$env_script" >/dev/null )
  route=debian
fi

lock_version="$(grep -A1 '^name = "wasm-bindgen"$' "$root/Cargo.lock" | sed -n 's/^version = "\(.*\)"/\1/p' | head -1)"
if [ -z "$lock_version" ]; then
  log "Cargo.lock has no wasm-bindgen entry"
  exit 1
fi
export PATH="$PATH:$HOME/.cargo/bin"
cli_version="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)"
if [ "$cli_version" != "$lock_version" ]; then
  log "installing wasm-bindgen-cli $lock_version (found '${cli_version:-none}'); takes a few minutes"
  # Not --locked: the CLI's own lockfile pins crates the registry here may lack. A debug build
  # without TLS (the CLI and its test runner never download anything) installs in half the time
  # and still processes our modules in seconds; the output does not depend on how it was built.
  env -u CARGO_TARGET_DIR -u RUSTC_BOOTSTRAP \
    cargo install --debug --no-default-features wasm-bindgen-cli --version "$lock_version" >&2
  cli_version="$(wasm-bindgen --version | awk '{print $2}')"
fi

if [ "$route" = rustup ]; then
  rustc_version="$(rustc --version)"
else
  rustc_version="$(/usr/bin/rustc --version) (Debian, -Zbuild-std)"
fi
echo "WASM_ROUTE=$route"
echo "RUSTC=$rustc_version"
echo "WASM_BINDGEN=$cli_version"
