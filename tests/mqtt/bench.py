"""Throughput of one MQTT publisher to one subscriber with the mosquitto command-line clients.

    .venv/bin/python bench.py [--count N] [--size BYTES] [--targets switchyard,mosquitto,nats-server]
                              [--persistent]

For each target and QoS 0, 1 and 2 it starts a fresh server, a ``mosquitto_sub -C N`` and a
``mosquitto_pub -l`` fed N lines, and reports messages per second from the first publish to the last
delivery (median of three runs). The clients are single-threaded C programs, so at QoS 0 the numbers
say as much about them as about the server; the comparison between servers is what counts.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time

from servers import HOST, Server


def run_once(server: Server, qos: int, count: int, size: int, persistent: bool = False) -> float:
    payload = ("x" * (size - 1)) + "\n"
    with tempfile.NamedTemporaryFile("w", delete=False) as f:
        f.write(payload * count)
        lines = f.name
    session = ["-c", "-i", "bench-sub"] if persistent else []
    sub = subprocess.Popen(
        ["mosquitto_sub", "-h", HOST, "-p", str(server.mqtt_port), "-t", "bench", "-q", str(qos), "-C", str(count),
         *session],
        stdout=subprocess.DEVNULL,
    )
    time.sleep(0.5)
    start = time.perf_counter()
    with open(lines) as stdin:
        subprocess.run(
            ["mosquitto_pub", "-h", HOST, "-p", str(server.mqtt_port), "-t", "bench", "-q", str(qos), "-l"],
            stdin=stdin, check=True, timeout=600,
        )
    sub.wait(timeout=600)
    elapsed = time.perf_counter() - start
    os.unlink(lines)
    return count / elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=100_000)
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--targets", default="switchyard,mosquitto,nats-server")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--persistent", action="store_true", help="subscriber with a persistent session (-c)")
    args = ap.parse_args()
    kind_of_session = "persistent" if args.persistent else "clean"
    print(f"{args.count} messages of {args.size} B, {kind_of_session} subscriber, median of {args.runs} runs (msgs/s)")
    for kind in args.targets.split(","):
        for qos in (0, 1, 2):
            if kind == "nats-server" and qos == 2:
                continue
            rates = []
            for _ in range(args.runs):
                server = Server(kind).start()
                try:
                    rates.append(run_once(server, qos, args.count, args.size, args.persistent))
                finally:
                    server.cleanup()
            print(f"{kind:12} QoS {qos}: {statistics.median(rates):>10,.0f}")


if __name__ == "__main__":
    main()
