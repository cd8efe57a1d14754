#!/usr/bin/env bash
# MQTT interop suite: paho-mqtt (3.1.1 and 5) and the mosquitto command-line clients against a started
# server. Creates tests/mqtt/.venv from requirements.txt on first use.
#
# Environment:
#   MQTT_TARGET=switchyard|nats-server|mosquitto   server under test (default switchyard)
#   SWITCHYARD_BIN=<path>                          switchyard binary (default: CARGO_TARGET_DIR or
#                                                  target, release then debug)
# Arguments are passed to pytest (e.g. -k retained).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
  .venv/bin/pip install -q -r requirements.txt
fi
exec .venv/bin/python -m pytest -q "$@"
