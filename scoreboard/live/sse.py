"""The fallback transport: Server-Sent Events at `/live/events/?topics=...&since=N`.

For networks that block WebSockets (some proxies and carriers) live.js falls back to an
EventSource on this endpoint, behind the same socket interface, so the page keeps its
one code path: same topics, resume from its cursor, version dedupe and gap healing.

Server side it is the live socket minus the socket: a plain ASGI app (a streaming
response never ends, which Channels' AsyncHttpConsumer does not support) that registers
a `hub.Connection` whose `send` turns each hub frame into one SSE event. So a change
costs this endpoint what it costs a socket (a pre-rendered frame written by the hub, no
database, no rendering); the only query is the replay when a client (re)connects, and
while nothing changes the hub's heartbeats (from memory) keep proxies from timing out.
"""

from __future__ import annotations

import json
from typing import Any

from scoreboard.live import metrics
from scoreboard.live.consumers import BadRequest, parse_query
from scoreboard.live.hub import Connection, get_hub
from scoreboard.live.replay import resume

Scope = dict[str, Any]
RETRY_MS = 2000  # EventSource's own retry; live.js reconnects itself (with the cursor)
HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-store"),
    (b"x-accel-buffering", b"no"),  # nginx: do not buffer the stream
]


def sse_event(text: str) -> bytes:
    """One SSE `message` event carrying `text` (each line its own `data:` field)."""
    lines = text.replace("\r", "").split("\n")
    return ("".join(f"data: {line}\n" for line in lines) + "\n").encode()


def sse_bytes(frame: dict[str, Any]) -> bytes:
    """A hub frame as SSE bytes, computed once per frame dict (shared by every stream)."""
    body = frame.get("sse")
    if body is None:
        body = sse_event(frame["text"])
        frame["sse"] = body
    return body


async def live_events(scope: Scope, receive: Any, send: Any) -> None:
    """ASGI app: the live stream of `topics` from `since`, until the client goes."""
    if scope["type"] != "http":
        return
    if scope.get("method") not in ("GET", "HEAD"):
        await _refuse(send, 405, "GET only")
        return
    try:
        topics, since = parse_query(scope.get("query_string", b""))
    except BadRequest as exc:
        metrics.CLIENT_VIOLATIONS.labels(reason="bad_request").inc()
        await _refuse(send, 400, str(exc))
        return
    closed = False

    async def send_frame(frame: dict[str, Any]) -> None:
        if not closed:
            await send({"type": "http.response.body", "body": sse_bytes(frame), "more_body": True})

    async def too_slow() -> None:
        # The client reconnects with its cursor and resumes or resyncs, as a socket does.
        nonlocal closed
        if not closed:
            closed = True
            await send({"type": "http.response.body", "body": b"", "more_body": False})

    hub = get_hub()
    await hub.start()
    connection = Connection(send=send_frame, topics=topics, on_too_slow=too_slow)
    # Held while replaying, exactly as the socket consumer does (see consumers.py).
    hub.register(connection, hold=True)
    try:
        await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
        await send(
            {
                "type": "http.response.body",
                "body": f"retry: {RETRY_MS}\n\n".encode(),
                "more_body": True,
            }
        )
        texts, replayed_through = await resume(connection, topics=topics, since=since)
        for text in texts:
            await send_frame({"text": text})
        if not connection.closing:
            hub.release(connection, replayed_through=replayed_through)
        while not closed:  # the hub writes; this only waits for the client to go
            message = await receive()
            if message["type"] == "http.disconnect":
                break
    finally:
        closed = True
        hub.unregister(connection)


async def _refuse(send: Any, status: int, reason: str) -> None:
    body = json.dumps({"error": reason}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})
