"""The floor: a plain `websockets` server fanning Redis pub/sub frames out with broadcast.

One Redis subscription per process, `websockets.broadcast` of the received frame to every
connected socket: what Python can do at best on this path (docs/PERFORMANCE.md). No compression.

    python -m bench.live.baseline_server --port 8603 --redis redis://127.0.0.1:6379/6 \
        --channel bench:baseline
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

import redis.asyncio as aioredis
import uvloop
import websockets
from websockets.asyncio.server import ServerConnection, serve

CLIENTS: set[ServerConnection] = set()


async def handler(ws: ServerConnection) -> None:
    CLIENTS.add(ws)
    try:
        await ws.wait_closed()
    finally:
        CLIENTS.discard(ws)


async def relay(redis_url: str, channel: str) -> None:
    client = aioredis.from_url(redis_url)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe(channel)
    async for message in pubsub.listen():
        data = message["data"]
        # Text frames, as the ASGI servers send (str is encoded once for all sockets).
        websockets.broadcast(CLIENTS, data.decode() if isinstance(data, bytes) else data)


async def main(args: argparse.Namespace) -> None:
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.cancel)
    async with serve(handler, args.host, args.port, compression=None, backlog=4096, max_size=2**16):
        task = asyncio.create_task(relay(args.redis, args.channel))
        print(f"baseline listening on {args.host}:{args.port}", flush=True)
        with contextlib.suppress(asyncio.CancelledError):
            await stop
        task.cancel()


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8603)
    p.add_argument("--redis", default="redis://127.0.0.1:6379/6")
    p.add_argument("--channel", default="bench:baseline")
    uvloop.run(main(p.parse_args()))
