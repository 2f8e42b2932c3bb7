"""Embedded mode (no Redis, `make run`): the hub relays changes other processes wrote.

In embedded mode a process without sockets (e.g. `manage.py demo_feed`) cannot reach
the web process, so it leaves its changes unpublished; the web process's hub polls the
change log and publishes them to its sockets.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest
import websockets
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async

from scoreboard import services
from scoreboard.live import publisher
from scoreboard.models import Change, Event
from tests.support.asgi_server import AsgiServer

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_relays_a_change_written_by_another_process_without_redis(
    asgi_server_factory: Callable[..., AsgiServer],
    live_football_event: Event,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = asgi_server_factory(env={"REDIS_URL": ""})  # embedded mode
    event = live_football_event
    # This test process stands for `demo_feed` in embedded mode: no hub to hand to.
    monkeypatch.setattr(publisher, "send_all", lambda messages: 0)

    async def scenario() -> str:
        url = f"{server.ws_url}/ws/live/?topics=event.{event.pk}"
        async with websockets.connect(url, origin=server.origin, compression=None) as socket:
            await asyncio.sleep(0.2)  # accepted: the hub runs
            await database_sync_to_async(services.record_score)(
                event=event, side="home", player="Saka"
            )
            while True:
                frame = await asyncio.wait_for(socket.recv(), 15)
                if isinstance(frame, str) and not frame.startswith("{"):
                    return frame

    frame = async_to_sync(scenario)()
    assert 'data-version="3"' in frame and "Saka" in frame
    # The hub marks it published right after handing the frame over: allow it a moment.
    deadline = time.monotonic() + 10
    while Change.objects.filter(published_at__isnull=True).exists():
        assert time.monotonic() < deadline, "the relayed change was never marked published"
        time.sleep(0.1)
