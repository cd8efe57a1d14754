"""nats-py side of the console tests: the other client, as an operator's applications would be.

    natspy.py js-publish <url> <subject> <count> <prefix>   JSON messages {"n": i, "note": prefix} with a header
    natspy.py publish <url> <subject> <count>                core publishes (for the rate charts)
    natspy.py hold <url> <name> <seconds>                    a named connection with two subscriptions, for a while
    natspy.py kv-put <url> <bucket> <key> <value>
    natspy.py kv-get <url> <bucket> <key>                    prints the value (read with STREAM.MSG.GET)
    natspy.py obj-put <url> <bucket> <name> <file>
    natspy.py obj-get <url> <bucket> <name> <file>           writes the object to <file>
"""

import asyncio
import json
import sys

import nats


async def main(cmd, url, *args):
    nc = await nats.connect(url, name="nats-py-console-test")
    try:
        js = nc.jetstream()
        if cmd == "js-publish":
            subject, count, prefix = args[0], int(args[1]), args[2]
            for i in range(1, count + 1):
                body = json.dumps({"n": i, "note": prefix}).encode()
                await js.publish(subject, body, headers={"X-Test": f"msg-{i}", "Content-Type": "application/json"})
        elif cmd == "publish":
            subject, count = args[0], int(args[1])
            for i in range(count):
                await nc.publish(subject, b"x" * 64)
            await nc.flush()
        elif cmd == "hold":
            await nc.close()
            nc = await nats.connect(url, name=args[0])
            await nc.subscribe("audit.>")
            await nc.subscribe("jobs", queue="workers")
            await nc.flush()
            await asyncio.sleep(float(args[1]))
        elif cmd == "kv-put":
            kv = await js.key_value(args[0])
            print(await kv.put(args[1], args[2].encode()))
        elif cmd == "kv-get":
            # The stream API rather than kv.get(), which uses Direct Get on buckets with allow_direct.
            msg = await js.get_msg(f"KV_{args[0]}", subject=f"$KV.{args[0]}.{args[1]}", direct=False)
            print(msg.data.decode())
        elif cmd == "obj-put":
            obs = await js.object_store(args[0])
            with open(args[2], "rb") as f:
                info = await obs.put(args[1], f.read())
            print(info.digest)
        elif cmd == "obj-get":
            obs = await js.object_store(args[0])
            result = await obs.get(args[1])
            with open(args[2], "wb") as f:
                f.write(result.data)
            print(result.info.digest)
        else:
            raise SystemExit(f"unknown command {cmd}")
    finally:
        if not nc.is_closed:
            await nc.close()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:]))
