#!/usr/bin/env bash
# check-console.sh - prove the committed console bundle (static/) was built from the current sources.
#
#   scripts/check-console.sh          # cheap: compare static/console/SOURCE_HASH with the sources' hash
#   scripts/check-console.sh --full   # also rebuild into a temporary directory and compare every byte
#                                     # (needs the wasm toolchain: scripts/wasm-toolchain.sh)
#
# Exit status 1 names what differs; the fix is scripts/build-console.sh and committing static/.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
stored_file="$root/static/console/SOURCE_HASH"
if [ ! -f "$stored_file" ] || [ ! -f "$root/static/index.html" ]; then
  echo "check-console: no console bundle in static/; run scripts/build-console.sh" >&2
  exit 1
fi
stored="$(tr -d '[:space:]' <"$stored_file")"
current="$("$root/scripts/console-source-hash.sh")"
if [ "$stored" != "$current" ]; then
  echo "check-console: static/ was built from other sources (bundle $stored, sources $current);" >&2
  echo "check-console: run scripts/build-console.sh and commit static/" >&2
  exit 1
fi
echo "check-console: static/console/SOURCE_HASH matches the sources ($current)"
if [ "${1:-}" = "--full" ]; then
  exec "$root/scripts/build-console.sh" --check
fi
