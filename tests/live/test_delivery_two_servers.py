"""Two real ASGI server processes (uvicorn) on Redis: the distributed topology.

A change made through the service layer in this process (as a Celery worker would) is
published once to Redis; each server's hub fans it out to its own sockets. A viewer on
each server receives it exactly once, also when the publisher repeats itself (the relay
is at-least-once).
"""

from __future__ import annotations

import asyncio
import json
import re

import pytest
import websockets
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async

from scoreboard import services
from scoreboard.live import bus
from scoreboard.live.publisher import build_group_message
from scoreboard.models import Change, Event
from tests.support.asgi_server import AsgiServer

pytestmark = pytest.mark.django_db(transaction=True)

VERSION_RE = re.compile(r'id="event-header-(\d+)"[^>]*data-version="(\d+)"')


async def collect(url: str, origin: str, got: list[str], ready: asyncio.Event) -> None:
    """Read HTML frames until cancelled (JSON control frames are not changes)."""
    async with websockets.connect(url, origin=origin, compression=None) as socket:
        ready.set()
        async for frame in socket:
            if isinstance(frame, str) and not frame.startswith("{"):
                got.append(frame)


def headers_in(frames: list[str], event_id: int) -> list[int]:
    """Versions of the event's header fragments across frames, in arrival order."""
    return [int(v) for frames_text in frames for e, v in VERSION_RE.findall(frames_text)
            if int(e) == event_id]  # fmt: skip


def test_it_delivers_one_change_exactly_once_to_a_viewer_on_each_server(
    asgi_server_pair: tuple[AsgiServer, AsgiServer], live_football_event: Event
) -> None:
    event = live_football_event

    async def scenario() -> tuple[list[str], list[str]]:
        received: tuple[list[str], list[str]] = ([], [])
        readers = []
        for server, got in zip(asgi_server_pair, received, strict=True):
            ready = asyncio.Event()
            url = f"{server.ws_url}/ws/live/?topics=event.{event.pk},live"
            readers.append(asyncio.create_task(collect(url, server.origin, got, ready)))
            await asyncio.wait_for(ready.wait(), 10)
        await asyncio.sleep(0.2)  # both hubs subscribed (they subscribe before accepting)
        await database_sync_to_async(services.record_score)(event=event, side="home", player="Saka")
        # The relay's at-least-once: the same change published again is not shown twice.
        change = await database_sync_to_async(Change.objects.select_related("event").last)()
        message = await database_sync_to_async(build_group_message)([change])
        await database_sync_to_async(bus.publish)(message)
        await asyncio.sleep(1.0)
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        return received

    first, second = async_to_sync(scenario)()
    for frames in (first, second):
        assert len(frames) == 1, frames
        assert headers_in(frames, event.pk) == [3]
        assert "Saka" in frames[0]


def test_it_exports_metrics_and_readiness(asgi_server_pair: tuple[AsgiServer, AsgiServer]) -> None:
    import urllib.request

    server = asgi_server_pair[0]
    with urllib.request.urlopen(f"{server.url}/readyz", timeout=5) as response:
        assert response.status == 200
        assert json.loads(response.read())["ok"] is True
    with urllib.request.urlopen(f"{server.url}/metrics", timeout=5) as response:
        text = response.read().decode()
    assert "scoreline_live_commit_to_socket_seconds_bucket" in text
    assert "scoreline_live_connections" in text
