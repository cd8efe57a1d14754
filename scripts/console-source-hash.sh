#!/usr/bin/env bash
# console-source-hash.sh - print the hash of everything the console bundle is built from.
#
#   scripts/console-source-hash.sh
#
# Inputs: the tracked (and untracked, not ignored) files under console-ui/, web-client/ and shared/,
# the workspace Cargo.toml, scripts/build-console.sh, and the locked versions of the console's own
# dependencies for wasm32 (from `cargo tree`, so a dependency the server alone uses does not count).
# Each file's path and SHA-256 go into one SHA-256, so the result does not depend on the machine or
# the checkout's location. scripts/build-console.sh stores it in static/console/SOURCE_HASH; scripts/check-console.sh
# compares. Needs git and sha256sum, no WebAssembly toolchain.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
listing="$(mktemp)"
trap 'rm -f "$listing"' EXIT
inputs=(console-ui web-client shared Cargo.toml scripts/build-console.sh)
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files -z --cached --others --exclude-standard -- "${inputs[@]}"
else
  find "${inputs[@]}" \( -name target -o -name node_modules \) -prune -o -type f -print0
fi | LC_ALL=C sort -zu | while IFS= read -r -d '' f; do
  [ -f "$f" ] || continue   # deleted but still in the index
  printf '%s  %s\n' "$(sha256sum <"$f" | cut -d' ' -f1)" "$f"
done >"$listing"
deps="$(cargo tree -p switchyard-console --target wasm32-unknown-unknown -e normal,build --prefix none --locked \
  | sed 's/ (.*$//' | LC_ALL=C sort -u)"
[ -n "$deps" ] || { echo "console-source-hash: cargo tree listed no dependencies" >&2; exit 1; }
printf '%s  %s\n' "$(printf '%s\n' "$deps" | sha256sum | cut -d' ' -f1)" "<dependencies>" >>"$listing"
sha256sum <"$listing" | cut -d' ' -f1
