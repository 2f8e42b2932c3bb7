"""The partner stream is woken by the live hub, not by polling: a server whose idle
re-read and hub heartbeats are minutes apart still streams every change, in order."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from scoreboard import services
from scoreboard.models import Change
from tests.support.asgi_server import AsgiServer, server_database_url

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

NEVER = "600"  # seconds: longer than the whole test may take


@pytest.fixture(scope="module")
def quiet_server(django_db_setup: None, django_db_blocker: Any) -> Iterator[AsgiServer]:
    with django_db_blocker.unblock():
        database_url = server_database_url()
    server = AsgiServer(
        database_url=database_url,
        redis_url=os.environ.get("REDIS_URL"),
        env={"API_STREAM_POLL_SECONDS": NEVER, "LIVE_HEARTBEAT_SECONDS": NEVER},
    )
    server.start()
    yield server
    server.__exit__(None, None, None)


def test_it_streams_changes_as_the_hub_publishes_them(quiet_server, world, make_key) -> None:
    _, token = make_key(scopes=("stream",))
    headers = {"Authorization": f"Api-Key {token}"}
    start = Change.objects.order_by("-id").values_list("id", flat=True).first()
    got: list[int] = []
    # The deadline (60 s) is far below the idle re-read (600 s): only a hub wake-up can
    # deliver these changes in time.
    with httpx.stream(
        "GET",
        f"{quiet_server.url}/api/v1/stream",
        headers=headers,
        params={"after": start},
        timeout=60,
    ) as response:
        assert response.status_code == 200
        lines = response.iter_lines()
        assert next(lines).startswith("retry:")  # the stream is open and at the tail
        event = services.change_status(event=world.events[0], status="live")
        for side in ("home", "away", "home"):
            event = services.record_score(event=event, side=side)
        expected = list(
            Change.objects.filter(id__gt=start).order_by("id").values_list("id", flat=True)
        )
        deadline = time.monotonic() + 60
        for line in lines:  # keepalive comments every 15 s keep this loop turning
            assert time.monotonic() < deadline, f"only {got} of {expected} arrived"
            if line.startswith("data: "):
                got.append(json.loads(line[6:])["seq"])
                if len(got) == len(expected):
                    break
    assert got == expected
