#!/usr/bin/env bash
# console-source-hash.sh - print the hash of everything the console bundle is built from.
#
#   scripts/console-source-hash.sh
#
# Inputs: the tracked (and untracked, not ignored) files under console-ui/, web-client/ and shared/,
# the workspace Cargo.toml and Cargo.lock, and scripts/build-console.sh. Each file's path and
# SHA-256 go into one SHA-256, so the result does not depend on the machine or the checkout's
# location. scripts/build-console.sh stores it in static/console/SOURCE_HASH; scripts/check-console.sh
# compares. Needs git and sha256sum, no WebAssembly toolchain.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
inputs=(console-ui web-client shared Cargo.toml Cargo.lock scripts/build-console.sh)
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files -z --cached --others --exclude-standard -- "${inputs[@]}"
else
  find "${inputs[@]}" \( -name target -o -name node_modules \) -prune -o -type f -print0
fi | LC_ALL=C sort -zu | while IFS= read -r -d '' f; do
  [ -f "$f" ] || continue   # deleted but still in the index
  printf '%s  %s\n' "$(sha256sum <"$f" | cut -d' ' -f1)" "$f"
done | sha256sum | cut -d' ' -f1
