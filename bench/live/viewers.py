"""Load client: N WebSocket viewers in one asyncio process; records every frame's receipt.

Prints one JSON line `{"ready": n, "failed": m}` once all viewers tried to connect, then
records until SIGUSR1 (or SIGTERM), writes its results to --out as JSON and prints
`{"done": ...}`. Frames are stored once each (every viewer gets the same bytes); per viewer
only (frame index, receipt time) pairs are kept, so recording stays O(1) per frame.

    python -m bench.live.viewers --url ws://127.0.0.1:8601/ws/live/?topics=live \
        --viewers 1000 --out /tmp/v0.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import time
from array import array
from collections import Counter
from urllib.parse import urlsplit

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

MAX_DISTINCT_FRAMES = 200_000  # beyond this a frame is recorded as "unknown" (-2)


class Recorder:
    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.frames: list[str] = []
        self.per_viewer: list[tuple[array, array]] = []
        self.numbers: list[int] = []  # per_viewer[k] is the viewer with this URL number
        self.closes: Counter[str] = Counter()

    def frame_index(self, msg: str) -> int:
        k = self.index.get(msg)
        if k is None:
            if len(self.frames) >= MAX_DISTINCT_FRAMES:
                return -2
            k = len(self.frames)
            self.frames.append(msg)
            self.index[msg] = k
        return k


async def viewer(
    url: str,
    origin: str,
    rec: Recorder,
    gate: asyncio.Semaphore,
    connected: asyncio.Event,
    number: int = 0,
) -> bool:
    """Connect (bounded concurrency, 3 tries), then record frames until closed/cancelled."""
    idxs, times = array("i"), array("d")
    ws = None
    for attempt in range(3):
        async with gate:
            try:
                ws = await connect(
                    url,
                    origin=origin,
                    compression=None,  # as the servers: no permessage-deflate for fan-out
                    ping_interval=None,  # the server pings; the client only answers
                    open_timeout=60,
                    max_size=2**22,
                    max_queue=None,  # never apply back-pressure from the client side
                )
                break
            except (OSError, InvalidHandshake, TimeoutError) as exc:
                if isinstance(exc, InvalidStatus):
                    rec.closes[f"connect_http_{exc.response.status_code}"] += 1
                else:
                    rec.closes[f"connect_{type(exc).__name__}"] += 1
                await asyncio.sleep(0.2 * (attempt + 1))
    if ws is None:
        return False
    rec.per_viewer.append((idxs, times))
    rec.numbers.append(number)
    connected.set()
    frame_index, now, append_i, append_t = rec.frame_index, time.time, idxs.append, times.append
    try:
        async for msg in ws:
            t = now()
            if isinstance(msg, bytes):
                msg = msg.decode()
            append_i(frame_index(msg))
            append_t(t)
    except ConnectionClosed:
        pass
    except asyncio.CancelledError:
        return True
    code = ws.close_code
    rec.closes[str(code)] += 1
    return True


async def main(args: argparse.Namespace) -> None:
    if args.urls_file:
        with open(args.urls_file) as f:
            parts = urlsplit(f.readline().strip())
    else:
        parts = urlsplit(args.url)
    origin = args.origin or f"http://{parts.hostname}:{parts.port}"
    rec = Recorder()
    gate = asyncio.Semaphore(args.connect_concurrency)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGUSR1, signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    t0 = time.time()
    any_connected = asyncio.Event()
    # One URL per viewer (--urls-file: pages subscribe to different topics), else --url.
    urls = [args.url] * args.viewers
    if args.urls_file:
        with open(args.urls_file) as f:
            urls = [line.strip() for line in f if line.strip()]
        args.viewers = len(urls)
    tasks = [
        asyncio.create_task(viewer(url, origin, rec, gate, any_connected, n))
        for n, url in enumerate(urls)
    ]
    # "ready" once every viewer is connected or gave up (a connected one stays pending).
    while time.time() - t0 < args.connect_timeout:
        done_failed = sum(1 for t in tasks if t.done() and not t.result())
        if len(rec.per_viewer) + done_failed >= args.viewers:
            break
        await asyncio.sleep(0.05)
    ready = len(rec.per_viewer)
    print(
        json.dumps({"ready": ready, "failed": args.viewers - ready, "connect_s": time.time() - t0}),
        flush=True,
    )
    await stop.wait()
    stopped_at = time.time()
    out = {
        # Viewers still connecting after "ready" (slow server) count too.
        "connected": len(rec.per_viewer),
        "failed": args.viewers - len(rec.per_viewer),
        "stopped_at": stopped_at,
        "frames": rec.frames,
        "viewers": [[list(i), list(t)] for i, t in rec.per_viewer],
        "numbers": rec.numbers,
        "closes": dict(rec.closes),
    }
    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(out, f)
    os.replace(tmp, args.out)
    print(json.dumps({"done": sum(len(i) for i, _ in rec.per_viewer)}), flush=True)
    sys.stdout.flush()
    # Do not wait for thousands of closing handshakes: the kernel closes the sockets.
    os._exit(0)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--url", default="")
    p.add_argument("--urls-file", default="", help="one URL per line, one viewer each")
    p.add_argument("--viewers", type=int, default=1000)
    p.add_argument("--out", required=True)
    p.add_argument("--origin", default="")
    p.add_argument("--connect-concurrency", type=int, default=64)
    p.add_argument("--connect-timeout", type=float, default=120.0)
    return p.parse_args(argv)


if __name__ == "__main__":
    import uvloop

    uvloop.run(main(parse_args()))
