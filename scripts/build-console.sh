#!/usr/bin/env bash
# build-console.sh - build the browser console (console-ui/) into static/.
#
#   scripts/build-console.sh           # release wasm → wasm-bindgen --target web → wasm-opt -Oz → static/
#   scripts/build-console.sh --check   # build into a temporary directory and compare with static/
#
# Writes static/index.html (the page the monitoring port serves at /) and static/console/:
# switchyard_console.js, switchyard_console_bg.wasm, console.css, the snippets/ the JS imports,
# SOURCE_HASH (scripts/console-source-hash.sh, checked by scripts/check-console.sh) and BUILD_INFO
# (tool versions). Asset URLs carry a content hash (?v=…) so browsers pick up a new build.
# Run scripts/wasm-toolchain.sh first; wasm-opt comes from npm binaryen (npm ci in tests/console).
#
# Knobs: WASM_ROUTE=debian (use ../shared/tools/wasm-env.sh even when rustup has the target),
# WASM_TARGET_DIR (default target/wasm), WASM_OPT (path of wasm-opt; WASM_OPT=none skips it, which
# --check then reports as a difference).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
env_script="$root/../shared/tools/wasm-env.sh"
check=""
[ "${1:-}" = "--check" ] && check=1
log() { echo "build-console: $*" >&2; }

export PATH="$PATH:$HOME/.cargo/bin"
export CARGO_TARGET_DIR="${WASM_TARGET_DIR:-$root/target/wasm}"
# Size over speed for the bundle only; the workspace release profile stays as it is.
export CARGO_PROFILE_RELEASE_OPT_LEVEL=z CARGO_PROFILE_RELEASE_LTO=true CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 \
  CARGO_PROFILE_RELEASE_DEBUG=0 CARGO_PROFILE_RELEASE_PANIC=abort CARGO_PROFILE_RELEASE_STRIP=debuginfo
# Panic locations name source paths: keep the build machine's directories out of the bundle, so
# every machine builds the same bytes.
remap="--remap-path-prefix=$root=/switchyard"
for src in "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/; do
  [ -d "$src" ] && remap="$remap --remap-path-prefix=${src%/}=/deps"
done
export RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }$remap"

t0=$(date +%s)
if [ "${WASM_ROUTE:-}" != debian ] && command -v rustup >/dev/null 2>&1 \
    && rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  route=rustup
  ( cd "$root" && cargo build --release -p switchyard-console --target wasm32-unknown-unknown )
  rustc_version="$(rustc --version)"
elif [ -f "$env_script" ]; then
  route=debian
  ( cd "$root" && WASM_TARGET_DIR="$CARGO_TARGET_DIR" source "$env_script" \
      && cargo build --release -p switchyard-console --target wasm32-unknown-unknown -Zbuild-std=std,panic_abort )
  rustc_version="$(/usr/bin/rustc --version) (Debian, -Zbuild-std)"
else
  log "no wasm32 toolchain; run scripts/wasm-toolchain.sh"
  exit 1
fi
log "cargo ($route) $(( $(date +%s) - t0 )) s"

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
out="$stage/static"
mkdir -p "$out/console"
wasm="$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/switchyard_console.wasm"
wasm-bindgen --target web --no-typescript --remove-name-section --out-dir "$out/console" --out-name switchyard_console "$wasm"
rm -f "$out/console/package.json" "$out/console/.gitignore"

wasm_opt="${WASM_OPT:-}"
if [ -z "$wasm_opt" ]; then
  for candidate in "$root/tests/console/node_modules/.bin/wasm-opt" "$root/tests/browser/node_modules/.bin/wasm-opt"; do
    [ -x "$candidate" ] && { wasm_opt="$candidate"; break; }
  done
fi
if [ "$wasm_opt" = none ]; then
  opt_version="none"
elif [ -n "$wasm_opt" ] && [ -x "$wasm_opt" ]; then
  before=$(stat -c %s "$out/console/switchyard_console_bg.wasm")
  "$wasm_opt" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-reference-types \
    --enable-sign-ext --enable-mutable-globals "$out/console/switchyard_console_bg.wasm" -o "$out/console/switchyard_console_bg.wasm"
  opt_version="$("$wasm_opt" --version)"
  log "wasm-opt -Oz $before -> $(stat -c %s "$out/console/switchyard_console_bg.wasm") bytes"
else
  log "wasm-opt not found: run npm ci in tests/console (or set WASM_OPT=none to skip it)"
  exit 1
fi

cp "$root/console-ui/style.css" "$out/console/console.css"
version="$(cat "$out/console/switchyard_console_bg.wasm" "$out/console/switchyard_console.js" "$out/console/console.css" \
  | sha256sum | cut -c1-12)"
sed "s/@VERSION@/$version/g" "$root/console-ui/index.html" >"$out/index.html"
"$root/scripts/console-source-hash.sh" >"$out/console/SOURCE_HASH"
{
  echo "rustc: $rustc_version"
  echo "wasm-bindgen: $(wasm-bindgen --version)"
  echo "wasm-opt: $opt_version"
} >"$out/console/BUILD_INFO"

if [ -n "$check" ]; then
  differ=0
  for f in $(cd "$out" && find . -type f | sort); do
    if ! cmp -s "$out/$f" "$root/static/$f"; then
      log "differs: static/${f#./}"
      differ=1
    fi
  done
  for f in $(cd "$root/static" && find ./index.html ./console -type f 2>/dev/null | sort); do
    [ -f "$out/$f" ] || { log "not built from the sources: static/${f#./}"; differ=1; }
  done
  if [ "$differ" -ne 0 ]; then
    log "static/ does not match a fresh build (tools: $(tr '\n' ';' <"$out/console/BUILD_INFO"))"
    exit 1
  fi
  log "static/ matches a fresh build"
  exit 0
fi

rm -rf "$root/static/console"
mkdir -p "$root/static"
cp -r "$out/console" "$root/static/console"
cp "$out/index.html" "$root/static/index.html"

gz() { gzip -9 -c "$1" | wc -c; }
log "bundle in static/ (bytes raw / gzip -9):"
total_raw=0 total_gz=0
while IFS= read -r f; do
  r=$(stat -c %s "$f") g=$(gz "$f")
  total_raw=$((total_raw + r)) total_gz=$((total_gz + g))
  printf '  %-48s %9d %9d\n' "${f#"$root"/}" "$r" "$g" >&2
done < <(find "$root/static/index.html" "$root/static/console" -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.html' \) | sort)
printf '  %-48s %9d %9d\n' "total" "$total_raw" "$total_gz" >&2
log "done in $(( $(date +%s) - t0 )) s"
