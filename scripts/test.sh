#!/usr/bin/env bash
# The one test command. Installs test dependencies, builds switchyard (release), then runs
# every suite: cargo test for the workspace, pytest in tests/python, node --test in tests/js, the MQTT,
# browser-client and console suites (both in Chromium and in Firefox).
# All suites run even when one fails; the exit status is non-zero if any step failed.
#
# Environment:
#   SWITCHYARD_TARGET=nats-server  run the interop suites against the reference nats-server
#   SWITCHYARD_BIN=<path>          use this switchyard binary instead of the freshly built one
#   CARGO_TARGET_DIR               honoured for the build and for locating the binary
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$PWD"

logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT
steps=()
failed=0

# run NAME COMMAND...: run a step, keep its output in $logs/NAME.log, record status and time.
run() {
  local name="$1"
  shift
  echo
  echo "==> $name: $*"
  local start=$SECONDS status
  "$@" 2>&1 | tee "$logs/$name.log"
  status=${PIPESTATUS[0]}
  steps+=("$(printf '%-10s %-4s %4ss' "$name" "$([ "$status" -eq 0 ] && echo ok || echo FAIL)" $((SECONDS - start)))")
  [ "$status" -eq 0 ] || failed=1
  return "$status"
}

run deps ./scripts/install-deps.sh || { echo "test.sh: installing dependencies failed" >&2; exit 1; }
run build cargo build --release -p switchyard || { echo "test.sh: build failed" >&2; exit 1; }

target_dir="${CARGO_TARGET_DIR:-target}"
case "$target_dir" in /*) ;; *) target_dir="$root/$target_dir" ;; esac
export SWITCHYARD_BIN="${SWITCHYARD_BIN:-$target_dir/release/switchyard}"
export SWITCHYARD_TARGET="${SWITCHYARD_TARGET:-switchyard}"
echo "test.sh: target $SWITCHYARD_TARGET ($([ "$SWITCHYARD_TARGET" = nats-server ] && command -v nats-server || echo "$SWITCHYARD_BIN"))"

# Debug mode: compiling the test dependencies (async-nats and friends) unoptimised is quicker
# than optimising and LTO-linking them, even though nothing is shared with the release build.
run cargo cargo test --workspace --no-fail-fast
# shared must keep building for the browser; a short fuzz run of its parsers (FUZZ_SECONDS=0 skips it).
run wasm ./scripts/check-wasm.sh
if [ "${FUZZ_SECONDS:-5}" -gt 0 ]; then
  run fuzz ./scripts/fuzz.sh "${FUZZ_SECONDS:-5}"
fi
run pytest bash -c 'cd tests/python && exec .venv/bin/python -m pytest -q'
# Each test sets its own timeout; this one bounds a whole file (the 64 MiB object test alone can take
# most of a minute on a loaded 2-core machine).
run node bash -c 'cd tests/js && exec node --test --test-timeout=600000'
# The browser client in headless Chromium against switchyard (its WebSocket front-end), with the
# listeners nats-server does not have turned off so parallel ports never collide.
# MQTT: paho-mqtt (3.1.1 and 5) and the mosquitto clients.
if [ "$SWITCHYARD_TARGET" = nats-server ]; then
  run mqtt env MQTT_TARGET=nats-server bash tests/mqtt/run.sh
else
  run mqtt bash tests/mqtt/run.sh
fi
if [ "$SWITCHYARD_TARGET" = nats-server ]; then
  run browser bash tests/browser/run.sh
else
  run browser env NATS_SERVER_BIN="$SWITCHYARD_BIN" NATS_SERVER_ARGS="-m 0 --no_mqtt" bash tests/browser/run.sh
  # The same browser tests against Debian's nats-server with WebSocket: the web client's protocol
  # fidelity; then the web client's wasm-bindgen tests (its Rust API) in headless Chromium against it.
  run browserref env WASM_TESTS=1 bash tests/browser/run.sh
  # The web client's e2e in Firefox ESR too, against switchyard.
  run browserff env WEB_CLIENT_BROWSER=firefox NATS_SERVER_BIN="$SWITCHYARD_BIN" NATS_SERVER_ARGS="-m 0 --no_mqtt" \
    bash tests/browser/run.sh
  # The console: the committed bundle in static/ must match console-ui/'s sources, and every page
  # works in headless Chromium against the server that embeds it.
  run bundle ./scripts/check-console.sh
  run console bash tests/console/run.sh
  # The same console tests in Firefox ESR (WebDriver BiDi through puppeteer-core).
  run consoleff env CONSOLE_BROWSER=firefox bash tests/console/run.sh
fi

# Totals over every runner, from each runner's own closing lines.
passed=0
failures=0
count() { grep -Eo "$1" "$2" | grep -Eo '[0-9]+' | awk '{s+=$1} END {print s+0}'; }
if [ -f "$logs/cargo.log" ]; then
  passed=$((passed + $(count '[0-9]+ passed;' "$logs/cargo.log")))
  failures=$((failures + $(count '[0-9]+ failed;' "$logs/cargo.log")))
fi
for log in pytest mqtt; do
if [ -f "$logs/$log.log" ]; then
  last="$(grep -E '[0-9]+ (passed|failed|error)' "$logs/$log.log" | tail -n1 || true)"
  passed=$((passed + $(echo "$last" | { grep -Eo '[0-9]+ passed' || true; } | grep -Eo '[0-9]+' || echo 0)))
  failures=$((failures + $(echo "$last" | { grep -Eo '[0-9]+ (failed|errors?)' || true; } | grep -Eo '[0-9]+' | awk '{s+=$1} END {print s+0}')))
fi
done
for log in node browser browserref browserff console consoleff; do
  if [ -f "$logs/$log.log" ]; then
    passed=$((passed + $(count '^# pass [0-9]+' "$logs/$log.log")))
    failures=$((failures + $(count '^# fail [0-9]+' "$logs/$log.log")))
  fi
done
# The wasm-bindgen tests report as cargo does.
if [ -f "$logs/browserref.log" ]; then
  passed=$((passed + $(count '[0-9]+ passed;' "$logs/browserref.log")))
  failures=$((failures + $(count '[0-9]+ failed;' "$logs/browserref.log")))
fi

# What failed, by name, from each failed step's log (the step's own output holds the details).
failures_named() {
  grep -hE -e '^test .* \.\.\. FAILED$' -e '^not ok [0-9]+ - ' -e '^(FAILED|ERROR) [^ ]+' \
    -e '^(tests/|[a-z_]+\.py)[^ ]*::[^ ]+ FAILED' "$@" 2>/dev/null | sort -u | head -n 40
}

echo
echo "==> summary"
printf '  %s\n' "${steps[@]}"
named="$(failures_named "$logs"/*.log)"
if [ -n "$named" ]; then
  echo "failed:"
  sed 's/^/  /' <<<"$named"
fi
echo "total: $passed passed, $failures failed"
exit "$failed"
