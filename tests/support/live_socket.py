"""Helpers for in-process live-socket tests (channels' WebsocketCommunicator)."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

ORIGIN = (b"origin", b"http://127.0.0.1")
HOST = (b"host", b"127.0.0.1")
CURSOR_RE = re.compile(r'<div id="live-cursor"[^>]*data-seq="(\d+)"')


def run(test: Callable[[], Awaitable[None]]) -> None:
    """Run an async test body in a fresh loop and stop the process hub after it."""

    async def body() -> None:
        from scoreboard.live.hub import get_hub

        try:
            await test()
        finally:
            await get_hub().stop()

    async_to_sync(body)()


def communicator(
    topics: str, since: int | None = None, origin: bytes = b"http://127.0.0.1"
) -> WebsocketCommunicator:
    from liveapp.asgi import application

    path = f"/ws/live/?topics={topics}"
    if since is not None:
        path += f"&since={since}"
    return WebsocketCommunicator(application, path, headers=[(b"origin", origin), HOST])


async def db(fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """Run a sync (service/ORM) call from the async test, committing as a worker would."""
    return await database_sync_to_async(fn)(*args, **kwargs)


async def receive_html(comm: WebsocketCommunicator, timeout: float = 3) -> str:
    """The next HTML frame, skipping JSON control frames (heartbeats)."""
    while True:
        text = await comm.receive_from(timeout)
        if not text.startswith("{"):
            return text


async def receive_json(comm: WebsocketCommunicator, timeout: float = 3) -> dict[str, Any]:
    text = await comm.receive_from(timeout)
    assert text.startswith("{"), f"expected a control frame, got {text[:80]!r}"
    return json.loads(text)


def cursor_of(frame: str) -> int:
    found = CURSOR_RE.findall(frame)
    assert len(found) == 1, f"a frame carries exactly one cursor, got {found}"
    return int(found[0])


async def nothing_more(comm: WebsocketCommunicator, seconds: float = 0.3) -> bool:
    """True if no frame arrives within `seconds` (without cancelling the consumer)."""
    return await comm.receive_nothing(seconds)
