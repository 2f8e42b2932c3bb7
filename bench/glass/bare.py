"""The bare pipeline of `make bench-glass`: the same work as ours, without the framework.

Two processes, each the least Python can do for its half:
- intake (`python -m bench.glass.bare intake`): a raw ASGI app under uvicorn. It verifies
  the push's HMAC, inserts one row per message with psycopg (autocommit: one commit
  each), and PUBLISHes the message's frames on Redis, then answers 202. Its frames are
  padded to the median sizes of our row and detail fragments in the same run, and carry
  the same markers (`data-event`, `data-version`, the cursor).
- fan-out (`python -m bench.glass.bare fanout`): a plain `websockets` server with one Redis
  subscription; each socket subscribes to one topic by its URL, as ours; every message is
  `websockets.broadcast` to the sockets of its topics (the detail frame to event pages).
  It stamps `data-sent` on the cursor as our hub does. It does not coalesce: every
  message is a frame, where our hub merges those inside a 20 ms window.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import hmac
import json
import os
import signal
import time
from collections import defaultdict
from typing import Any
from urllib.parse import parse_qs, urlsplit

LIVE_STATUSES = {"live", "break"}


def _frames(event: int, version: int, seq: int, row_bytes: int, detail_bytes: int) -> tuple:
    head = f'<tr id="event-row-{event}" hx-swap-oob="true" data-event="{event}" '
    row = head + f'data-version="{version}">' + "r" * max(0, row_bytes - len(head) - 30) + "</tr>"
    top = f'<div id="event-header-{event}" hx-swap-oob="true" data-event="{event}" '
    pad = max(0, detail_bytes - len(top) - len(row) - 30)
    detail = top + f'data-version="{version}">' + "d" * pad + "</div>" + row
    cursor = f'<div id="live-cursor" hx-swap-oob="true" data-seq="{seq}"></div>'
    return row, detail, cursor


def intake_app() -> Any:
    """The ASGI app (built at import by uvicorn's factory mode)."""
    import psycopg
    import redis.asyncio as aioredis

    secret = os.environ["GLASS_SECRET"].encode()
    channel = os.environ["GLASS_CHANNEL"]
    row_bytes = int(os.environ["GLASS_ROW_BYTES"])
    detail_bytes = int(os.environ["GLASS_DETAIL_BYTES"])
    with open(os.environ["GLASS_MATCHES"]) as f:
        matches: dict[str, list] = json.load(f)  # match id -> [event id, sport slug]
    versions: dict[int, int] = defaultdict(int)
    was_live: dict[int, bool] = {}
    state: dict[str, Any] = {}
    seq = [0]

    async def setup() -> None:
        state["db"] = await psycopg.AsyncConnection.connect(
            os.environ["GLASS_DATABASE_URL"], autocommit=True
        )
        state["redis"] = aioredis.from_url(os.environ["GLASS_REDIS_URL"])

    async def app(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        if "db" not in state:
            await setup()
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        received = time.time()
        headers = dict(scope["headers"])
        stamp = headers.get(b"x-feed-timestamp", b"")
        mac = hmac.new(secret, stamp + b"." + body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(
            b"sha256=" + mac.encode(), headers.get(b"x-feed-signature", b"")
        ):
            await _respond(send, 401, b'{"error": "bad_signature"}')
            return
        for item in json.loads(body)["messages"]:
            event, sport = matches[item["match"]]
            versions[event] += 1
            version = versions[event]
            seq[0] += 1
            await state["db"].execute(
                "INSERT INTO glass_bare (event_id, version, body) VALUES (%s, %s, %s)",
                (event, version, json.dumps(item)),
            )
            committed = time.time()
            live = item.get("status") in LIVE_STATUSES
            topics = [f"event.{event}", f"sport.{sport}"]
            if live or was_live.get(event):
                topics.append("live")
            was_live[event] = live
            row, detail, cursor = _frames(event, version, seq[0], row_bytes, detail_bytes)
            published = time.time()
            await state["redis"].publish(
                channel,
                json.dumps(
                    {"event_id": event, "version": version, "covers_from": version,
                     "topics": topics, "row": row, "detail": detail, "cursor": cursor,
                     "ts": {"upstream": item.get("ts"), "received": received,
                            "committed": committed, "published": published}},
                    separators=(",", ":"),
                ),
            )  # fmt: skip
        await _respond(send, 202, b'{"accepted": 1}')

    return app


async def _respond(send: Any, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json")]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})


async def fanout(port: int, redis_url: str, channel: str) -> None:
    import redis.asyncio as aioredis
    import websockets
    from websockets.asyncio.server import ServerConnection, serve

    registry: dict[str, set[ServerConnection]] = defaultdict(set)

    async def handler(ws: ServerConnection) -> None:
        topic = parse_qs(urlsplit(ws.request.path).query).get("topics", ["live"])[0]
        registry[topic].add(ws)
        try:
            await ws.wait_closed()
        finally:
            registry[topic].discard(ws)

    async def relay() -> None:
        pubsub = aioredis.from_url(redis_url).pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(channel)
        async for item in pubsub.listen():
            message = json.loads(item["data"])
            cursor = message["cursor"].replace(
                ' data-seq="', f' data-sent="{time.time():.4f}" data-seq="', 1
            )
            page = registry.get(f"event.{message['event_id']}")
            if page:
                websockets.broadcast(page, message["detail"] + cursor)
            row = message["row"] + cursor
            for topic in message["topics"]:
                if not topic.startswith("event.") and registry.get(topic):
                    websockets.broadcast(registry[topic], row)

    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.cancel)
    async with serve(handler, "127.0.0.1", port, compression=None, backlog=4096, max_size=2**16):
        task = asyncio.create_task(relay())
        print(f"bare fan-out on :{port}", flush=True)
        with contextlib.suppress(asyncio.CancelledError):
            await stop
        task.cancel()


if __name__ == "__main__":
    import uvloop

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("role", choices=["fanout"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--redis", required=True)
    parser.add_argument("--channel", required=True)
    args = parser.parse_args()
    uvloop.run(fanout(args.port, args.redis, args.channel))
