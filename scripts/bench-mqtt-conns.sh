#!/usr/bin/env bash
# Server memory with many connected MQTT clients: N MQTT 3.1.1 clients (default 10000), each with one
# QoS 1 subscription to its own topic, every other one with a persistent session (clean session off).
# Runs switchyard, mosquitto and nats-server (JetStream on, an mqtt block in a config file) one at a
# time on a free loopback port, and prints a Markdown table of the server's resident memory (VmRSS):
# idle after start, with every client connected and subscribed, and the difference per client.
#
# Usage: scripts/bench-mqtt-conns.sh [-n CLIENTS] [-s "switchyard mosquitto nats-server"] [SWITCHYARD_BINARY]
#   SWITCHYARD_BINARY   default $CARGO_TARGET_DIR/release/switchyard, else target/release/switchyard
#
# The clients are one Python asyncio process (raw CONNECT/SUBSCRIBE packets, no library), so the client
# side costs little and is not in the numbers. Needs python3 and `ulimit -n` above N plus a margin for
# each side (the script raises the soft limit to the hard one).

set -euo pipefail

clients=10000
servers="switchyard mosquitto nats-server"
while getopts "n:s:h" opt; do
    case "$opt" in
        n) clients=$OPTARG ;;
        s) servers=$OPTARG ;;
        *) sed -n '2,14p' "$0"; exit 0 ;;
    esac
done
shift $((OPTIND - 1))
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
switchyard=${1:-${CARGO_TARGET_DIR:-$repo/target}/release/switchyard}

ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" -le $((clients + 100)) ]; then
    echo "ulimit -n is $(ulimit -n): too low for $clients connections" >&2
    exit 1
fi

work=$(mktemp -d)
server_pid=""
client_pid=""
stop() {
    if [ -n "$1" ]; then kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; fi
}
cleanup() {
    stop "$client_pid"
    stop "$server_pid"
    rm -rf "$work"
}
trap cleanup EXIT

cat >"$work/clients.py" <<'PY'
"""Opens N MQTT 3.1.1 connections, each subscribing (QoS 1) to its own topic; every other one keeps a
persistent session. Prints "ready <seconds>" once all are subscribed, then holds them until killed."""
import asyncio, sys, time

host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])


def packet(kind: int, body: bytes) -> bytes:
    out, length = bytearray([kind]), len(body)
    while True:
        byte, length = length % 128, length // 128
        out.append(byte | (0x80 if length else 0))
        if not length:
            return bytes(out) + body


def s(text: str) -> bytes:
    raw = text.encode()
    return len(raw).to_bytes(2, "big") + raw


async def one(i: int, held: list, gate: asyncio.Semaphore) -> None:
    async with gate:
        for attempt in range(5):
            try:
                r, w = await asyncio.open_connection(host, port)
                flags = 0x00 if i % 2 == 0 else 0x02  # even: persistent session; odd: clean session
                w.write(packet(0x10, s("MQTT") + bytes([4, flags, 0, 0]) + s(f"bench-{i}")))
                connack = await asyncio.wait_for(r.readexactly(4), 60)
                if connack[3] != 0:
                    raise RuntimeError(f"CONNACK {connack[3]}")
                w.write(packet(0x82, (1).to_bytes(2, "big") + s(f"bench/{i}") + bytes([1])))
                suback = await asyncio.wait_for(r.readexactly(5), 60)
                if suback[0] != 0x90 or suback[4] > 2:
                    raise RuntimeError(f"SUBACK {suback!r}")
                held.append(w)
                return
            except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, RuntimeError) as e:
                if attempt == 4:
                    raise RuntimeError(f"client {i}: {e!r}") from e
                await asyncio.sleep(0.5)


async def main() -> None:
    held: list = []
    gate = asyncio.Semaphore(200)
    start = time.monotonic()
    await asyncio.gather(*(one(i, held, gate) for i in range(n)))
    print(f"ready {time.monotonic() - start:.1f}", flush=True)
    await asyncio.Event().wait()


asyncio.run(main())
PY

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

rss_kib() {
    awk '/^VmRSS:/ {print $2}' "/proc/$1/status"
}

start_server() {
    local name=$1 port=$2 dir=$work/$name
    mkdir -p "$dir"
    case "$name" in
        switchyard)
            "$switchyard" -a 127.0.0.1 -p "$(free_port)" -m 0 --no_websocket --mqtt_port "$port" \
                -js -sd "$dir/store" >"$dir/log" 2>&1 &
            ;;
        mosquitto)
            printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location %s/\nmax_connections -1\n' \
                "$port" "$dir" >"$dir/mosquitto.conf"
            mosquitto -c "$dir/mosquitto.conf" >"$dir/log" 2>&1 &
            ;;
        nats-server)
            printf 'server_name: bench\nlisten: "127.0.0.1:%s"\njetstream { store_dir: "%s/store" }\nmqtt { host: 127.0.0.1, port: %s }\n' \
                "$(free_port)" "$dir" "$port" >"$dir/nats.conf"
            nats-server -c "$dir/nats.conf" >"$dir/log" 2>&1 &
            ;;
    esac
    server_pid=$!
    for _ in $(seq 200); do
        if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$port),0.2)" 2>/dev/null; then
            return 0
        fi
        sleep 0.05
    done
    echo "$name did not start:" >&2
    tail -20 "$dir/log" >&2
    exit 1
}

echo "| server | idle RSS | RSS with $clients clients | per client | connect + subscribe time |"
echo "|---|---:|---:|---:|---:|"
for name in $servers; do
    port=$(free_port)
    start_server "$name" "$port"
    sleep 1
    idle=$(rss_kib "$server_pid")
    python3 "$work/clients.py" 127.0.0.1 "$port" "$clients" >"$work/$name/clients.out" 2>&1 &
    client_pid=$!
    until grep -q '^ready' "$work/$name/clients.out"; do
        if ! kill -0 "$client_pid" 2>/dev/null; then
            echo "$name: clients failed:" >&2
            tail -5 "$work/$name/clients.out" >&2
            exit 1
        fi
        sleep 0.5
    done
    took=$(awk '/^ready/ {print $2}' "$work/$name/clients.out")
    sleep 3
    loaded=$(rss_kib "$server_pid")
    stop "$client_pid"
    client_pid=""
    stop "$server_pid"
    server_pid=""
    awk -v n="$name" -v i="$idle" -v l="$loaded" -v c="$clients" -v t="$took" 'BEGIN {
        printf "| %s | %.1f MiB | %.1f MiB | %.1f KiB | %s s |\n", n, i / 1024, l / 1024, (l - i) / c, t }'
done
