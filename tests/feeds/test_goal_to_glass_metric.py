"""Goal to glass: a feed message pushed through the real webhook, applied by a worker and
published by the outbox publisher, is observed once per frame written to a socket in the
`scoreline_live_goal_to_glass_seconds` histogram that `/metrics` exports."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import time
import urllib.request

import pytest
from websockets.sync.client import ClientConnection, connect

from scoreboard.feeds.adapters import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from scoreboard.feeds.models import ProcessedMessage
from scoreboard.live.interest import watched_pages
from scoreboard.models import Change, Event
from tests.support.asgi_server import REPO, AsgiServer, server_database_url

from .conftest import FEED_ENV, SECRET, new_match_event, simulated_messages, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

TOKEN = "goal-to-glass-test-token"
COUNT = re.compile(r"^scoreline_live_goal_to_glass_seconds_count (\S+)$", re.M)


def glass_count(web: AsgiServer) -> float:
    request = urllib.request.Request(
        f"{web.url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        found = COUNT.search(response.read().decode())
    assert found, "the goal-to-glass histogram is not exported"
    return float(found.group(1))


def push(web: AsgiServer, message: dict) -> None:
    body = json.dumps({"messages": [dict(message, ts=time.time())]}).encode()
    stamp = str(int(time.time()))
    request = urllib.request.Request(
        f"{web.url}/feeds/sim/push",
        data=body,
        headers={
            TIMESTAMP_HEADER: stamp,
            SIGNATURE_HEADER: sign(SECRET, stamp, body),
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 202


def frames_showing(viewer: ClientConnection, event: Event, version: int) -> int:
    """Read frames until one shows `event` at `version`; returns the HTML frames read."""
    shown = re.compile(rf'data-event="{event.pk}"[^>]*data-version="(\d+)"')
    frames = 0
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        text = viewer.recv(timeout=deadline - time.monotonic())
        if text.startswith("{"):  # heartbeat or control message: not a fragment frame
            continue
        frames += 1
        if max((int(v) for v in shown.findall(text)), default=0) >= version:
            return frames
    raise AssertionError(f"no frame showed version {version} of event {event.pk}")


def test_each_frame_written_for_a_feed_goal_is_one_goal_to_glass_observation(
    worker_factory,
) -> None:
    event = new_match_event("football", "glass-1")
    messages, _ = simulated_messages("football", seed=3, match_id="glass-1")
    env = {**FEED_ENV, "METRICS_TOKEN": TOKEN}
    worker_factory(env=env)
    database_url = server_database_url()
    publisher = subprocess.Popen(
        [sys.executable, "manage.py", "publish_live"],
        cwd=REPO,
        env={**os.environ, **env, "DATABASE_URL": database_url, "DEBUG": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        with AsgiServer(
            database_url=database_url, redis_url=os.environ["REDIS_URL"], env=env
        ) as web:
            push(web, messages[0])  # the fixture: the event as the provider knows it
            wait_for(lambda: ProcessedMessage.objects.filter(provider="sim").exists(), 30)
            event.refresh_from_db()
            head = Change.objects.order_by("-pk").values_list("pk", flat=True).first()
            sport = event.competition.sport.slug
            sockets = contextlib.ExitStack()
            viewers = [
                sockets.enter_context(
                    connect(
                        f"{web.ws_url}/ws/live/?topics={topics}&since={head}", origin=web.origin
                    )
                )
                for topics in (f"event.{event.pk}", f"event.{event.pk}", f"sport.{sport}")
            ]
            # The hub tells the publisher which event pages have viewers (interest.py).
            wait_for(
                lambda: event.pk in getattr(watched_pages(), "events", ()), 10, 0.05, "interest"
            )
            before = glass_count(web)
            push(web, messages[1])  # kick-off: the match goes live
            wait_for(
                lambda: Event.objects.get(pk=event.pk).version > event.version, 30, what="apply"
            )
            version = Event.objects.get(pk=event.pk).version
            frames = sum(frames_showing(viewer, event, version) for viewer in viewers)
            sockets.close()
            assert frames >= len(viewers)
            assert glass_count(web) - before == frames
    finally:
        publisher.terminate()
        publisher.wait(10)
