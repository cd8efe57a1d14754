#!/usr/bin/env bash
# build-web-client.sh - build the browser client bundle into static/web-client/.
#
#   scripts/build-web-client.sh            # release wasm → wasm-bindgen --target web → (wasm-opt)
#
# Writes static/web-client/switchyard_web.js, switchyard_web_bg.wasm, switchyard_web.d.ts and the
# snippets/ the JS imports, then prints raw and gzipped sizes. Run scripts/wasm-toolchain.sh first.
#
# Knobs: WASM_ROUTE=debian (use ../shared/tools/wasm-env.sh even when rustup has the target),
# WASM_TARGET_DIR (default target/wasm), WASM_OPT (path of wasm-opt; default the npm binaryen
# in tests/browser/node_modules, skipped when absent; WASM_OPT=none skips it).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/static/web-client"
env_script="$root/../shared/tools/wasm-env.sh"
export PATH="$PATH:$HOME/.cargo/bin"
export CARGO_TARGET_DIR="${WASM_TARGET_DIR:-$root/target/wasm}"
# Size over speed for the bundle only; the workspace release profile stays as it is.
export CARGO_PROFILE_RELEASE_OPT_LEVEL=z CARGO_PROFILE_RELEASE_LTO=true CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 \
  CARGO_PROFILE_RELEASE_DEBUG=0 CARGO_PROFILE_RELEASE_PANIC=abort

# Panic locations name source paths: keep the build machine's directories out of the bundle.
remap="--remap-path-prefix=$root=/switchyard"
for src in "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/; do
  [ -d "$src" ] && remap="$remap --remap-path-prefix=${src%/}=/deps"
done
export RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }$remap"

elapsed() { echo "$(( $(date +%s%N) / 1000000 - $1 )) ms"; }
t0=$(( $(date +%s%N) / 1000000 ))

if [ "${WASM_ROUTE:-}" != debian ] && command -v rustup >/dev/null 2>&1 && rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  route=rustup
  ( cd "$root" && cargo build --release -p switchyard-web-client --target wasm32-unknown-unknown )
elif [ -f "$env_script" ]; then
  route=debian
  ( cd "$root" && WASM_TARGET_DIR="$CARGO_TARGET_DIR" source "$env_script" \
      && cargo build --release -p switchyard-web-client --target wasm32-unknown-unknown -Zbuild-std=std,panic_abort )
else
  echo "build-web-client: no wasm32 toolchain; run scripts/wasm-toolchain.sh" >&2
  exit 1
fi
echo "build-web-client: cargo ($route) $(elapsed "$t0")"

wasm="$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/switchyard_web.wasm"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
t1=$(( $(date +%s%N) / 1000000 ))
wasm-bindgen --target web --remove-name-section --out-dir "$stage" --out-name switchyard_web "$wasm"
echo "build-web-client: wasm-bindgen $(elapsed "$t1")"

wasm_opt="${WASM_OPT:-$root/tests/browser/node_modules/.bin/wasm-opt}"
if [ "$wasm_opt" != none ] && [ -x "$wasm_opt" ]; then
  t2=$(( $(date +%s%N) / 1000000 ))
  before=$(stat -c %s "$stage/switchyard_web_bg.wasm")
  "$wasm_opt" -Oz "$stage/switchyard_web_bg.wasm" -o "$stage/switchyard_web_bg.wasm"
  echo "build-web-client: wasm-opt -Oz $before -> $(stat -c %s "$stage/switchyard_web_bg.wasm") bytes, $(elapsed "$t2")"
else
  echo "build-web-client: wasm-opt not found (npm ci in tests/browser installs it); skipped"
fi

rm -rf "$out/snippets" "$out"/switchyard_web*
mkdir -p "$out"
cp -r "$stage"/. "$out"/
rm -f "$out/package.json" "$out/.gitignore"

size() { stat -c %s "$1"; }
gz() { gzip -9 -c "$1" | wc -c; }
total_raw=0 total_gz=0
echo "build-web-client: bundle in ${out#"$root"/}/ (bytes raw / gzip -9):"
while IFS= read -r f; do
  r=$(size "$f") g=$(gz "$f")
  total_raw=$((total_raw + r)) total_gz=$((total_gz + g))
  printf '  %-60s %9d %9d\n' "${f#"$out"/}" "$r" "$g"
done < <(find "$out" -type f \( -name '*.wasm' -o -name '*.js' \) | sort)
printf '  %-60s %9d %9d  (%d KiB gzipped)\n' "total (wasm + js)" "$total_raw" "$total_gz" $((total_gz / 1024))
echo "build-web-client: done in $(elapsed "$t0")"
