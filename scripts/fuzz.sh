#!/usr/bin/env bash
# fuzz.sh - run the fuzz targets in fuzz/ (libFuzzer via cargo-fuzz) for a while each.
#
#   scripts/fuzz.sh [seconds] [target...]     # default: 30 s for each of every target
#
# Installs cargo-fuzz when missing. cargo-fuzz needs nightly compiler flags; the stable toolchain
# accepts them with RUSTC_BOOTSTRAP=1, so no nightly toolchain is required. Builds once, then runs
# each target with -max_total_time. Exits non-zero on the first target that finds a failure; the
# crashing input is then in fuzz/artifacts/<target>/ (replay: cargo fuzz run <target> <file>).
# Corpora grow in fuzz/corpus/<target>/ and are reused by later runs (neither is committed).
#
# Knobs: FUZZ_SANITIZER (default none: the shared crate has no unsafe code, and address
# sanitizer costs build time and speed; `address` also works), FUZZ_TARGET_DIR (cargo-fuzz target
# dir, default: CARGO_TARGET_DIR/fuzz if set, else fuzz/target).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
log() { echo "fuzz: $*" >&2; }

seconds="${1:-30}"
[ $# -gt 0 ] && shift
case "$seconds" in '' | *[!0-9]*) log "usage: scripts/fuzz.sh [seconds] [target...]"; exit 2 ;; esac

export PATH="$PATH:$HOME/.cargo/bin"
if ! cargo fuzz --version >/dev/null 2>&1; then
  log "installing cargo-fuzz (a few minutes)"
  env -u CARGO_TARGET_DIR -u RUSTC_BOOTSTRAP cargo install cargo-fuzz --locked >&2 \
    || env -u CARGO_TARGET_DIR -u RUSTC_BOOTSTRAP cargo install cargo-fuzz >&2
fi

export RUSTC_BOOTSTRAP=1
target_dir="${FUZZ_TARGET_DIR:-${CARGO_TARGET_DIR:+$CARGO_TARGET_DIR/fuzz}}"
target_dir="${target_dir:-$root/fuzz/target}"
opts=(--sanitizer "${FUZZ_SANITIZER:-none}" --target-dir "$target_dir")

cd "$root"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo fuzz list)
fi

log "building ${#targets[@]} targets"
start=$SECONDS
cargo fuzz build "${opts[@]}" >&2
log "built in $((SECONDS - start))s"

logfile="$(mktemp)"
trap 'rm -f "$logfile"' EXIT
summary=()
for t in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$t"
  log "running $t for ${seconds}s"
  # The text protocols need their verbs as tokens; MQTT is binary and finds its own way.
  dict=()
  case "$t" in client_op | server_op | headers_parse) dict=(-dict="$root/fuzz/dict/nats.dict") ;; esac
  if ! cargo fuzz run "${opts[@]}" "$t" -- -max_total_time="$seconds" -print_final_stats=1 "${dict[@]}" 2>&1 | tee "$logfile" >&2; then
    log "$t FAILED; reproducer in fuzz/artifacts/$t/"
    exit 1
  fi
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$logfile" | tail -n1)"
  speed="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$logfile" | tail -n1)"
  summary+=("$(printf '%-16s %10s runs %8s exec/s' "$t" "${runs:-?}" "${speed:-?}")")
done
printf 'fuzz: %s\n' "${summary[@]}" >&2
log "all ${#targets[@]} targets ran ${seconds}s without a failure"
