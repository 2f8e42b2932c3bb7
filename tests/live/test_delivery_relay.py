"""The relay re-publishes changes the fast path failed to publish."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from scoreboard import services
from scoreboard.live import publisher
from scoreboard.live.relay import relay_pending
from scoreboard.models import Change, Event
from scoreboard.tasks import relay_unpublished
from tests.support.asgi_server import REPO, server_database_url
from tests.support.live_socket import communicator, db, receive_html, run

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def publish_fails(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The on-commit publish of this process fails (e.g. Redis blipped)."""
    monkeypatch.setattr(publisher, "send", lambda message: False)
    yield
    monkeypatch.undo()


def test_it_republishes_an_unpublished_change_to_viewers(
    live_football_event: Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = live_football_event
    real_send = publisher.send

    async def scenario() -> None:
        comm = communicator(f"event.{event.pk}")
        assert (await comm.connect())[0]
        monkeypatch.setattr(publisher, "send", lambda message: False)
        await db(services.record_score, event=event, side="home", player="Saka")
        change = await db(Change.objects.last)
        assert change.published_at is None
        monkeypatch.setattr(publisher, "send", real_send)
        assert await db(relay_pending, min_age_seconds=0) == 1
        assert 'data-version="3"' in await receive_html(comm)
        # Published now: a second pass has nothing to do.
        assert await db(relay_pending, min_age_seconds=0) == 0
        await comm.disconnect()

    run(scenario)
    assert Change.objects.filter(published_at__isnull=True).count() == 0


def test_it_leaves_fresh_changes_to_the_fast_path(
    live_football_event: Event, publish_fails: None
) -> None:
    services.record_score(event=live_football_event, side="home", player="Saka")
    assert relay_pending(min_age_seconds=60) == 0
    assert Change.objects.filter(published_at__isnull=True).count() == 1


def test_it_relays_in_id_order_one_message_per_event(
    make_live_event: Callable[..., Event], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = make_live_event(), make_live_event(home="Spurs", away="Everton")
    monkeypatch.setattr(publisher, "send", lambda message: False)
    for event in (first, second, first):
        services.record_score(event=event, side="home", player="A")
    sent: list[dict] = []
    monkeypatch.setattr(publisher, "send", lambda message: sent.append(message) or True)
    assert relay_unpublished() == 0  # under a second old: the fast path may still run
    time.sleep(1.1)
    assert relay_unpublished() == 3
    # Each event once, in the order of its latest change; the first event's message
    # carries both of its goals and says it covers both versions.
    assert [(m["event_id"], m["version"], m["covers_from"]) for m in sent] == [
        (second.pk, 3, 3),
        (first.pk, 4, 3),
    ]
    assert sent[0]["seq"] < sent[1]["seq"]
    assert f'data-covers="{first.pk}:3"' in sent[1]["cursor"]


def test_it_is_relayed_by_a_real_celery_beat_and_worker(
    live_football_event: Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Worker + beat processes (as in Procfile) pick the change up with no help from us."""
    event = live_football_event
    schedule = Path(tempfile.mkdtemp(prefix="scoreline-beat-")) / "schedule"
    env = dict(os.environ)
    env.update(
        DATABASE_URL=server_database_url(), RELAY_INTERVAL_SECONDS="0.5", DEBUG="1"
    )  # fmt: skip
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "liveapp", "worker", "-B", "--pool", "solo",
         "-l", "warning", "--purge", "-s", str(schedule)],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:

        async def scenario() -> None:
            comm = communicator(f"event.{event.pk}")
            assert (await comm.connect())[0]
            monkeypatch.setattr(publisher, "send", lambda message: False)
            await db(services.record_score, event=event, side="home", player="Saka")
            monkeypatch.undo()
            # Worker start-up (~2-4 s on this machine) + beat interval + the 1 s age.
            assert 'data-version="3"' in await receive_html(comm, timeout=20)
            await comm.disconnect()

        run(scenario)
    finally:
        worker.terminate()
        worker.wait(timeout=15)
    assert Change.objects.filter(published_at__isnull=True).count() == 0
