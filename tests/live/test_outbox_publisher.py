"""The outbox publisher (`manage.py publish_live`): batched writes reach viewers once
per event, coalesced, and every change ends up marked published."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator

import pytest
import redis
from django.conf import settings
from django.db import connection, transaction

from scoreboard import services
from scoreboard.live import bus, interest, outbox
from scoreboard.live.bus import redis_client
from scoreboard.models import Change, Event
from scoreboard.services.batch import batched_writes

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def live_channel() -> Iterator[redis.client.PubSub]:
    """A subscriber to what hubs hear."""
    pubsub = redis.Redis.from_url(settings.REDIS_URL).pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(settings.LIVE_CHANNEL)
    yield pubsub
    pubsub.close()


@pytest.fixture
def publisher() -> Iterator[None]:
    stop = threading.Event()

    def serve() -> None:
        try:
            outbox.run(stop)
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    time.sleep(0.3)  # subscribed
    yield
    stop.set()
    thread.join(timeout=5)


def drain(pubsub: redis.client.PubSub) -> None:
    """Forget what was published so far (the kick-offs, published as they happened)."""
    quiet_until = time.monotonic() + 0.3
    while time.monotonic() < quiet_until:
        if pubsub.get_message(timeout=0.05) is not None:
            quiet_until = time.monotonic() + 0.3


def heard(pubsub: redis.client.PubSub, count: int, timeout: float = 5.0) -> list[dict]:
    messages: list[dict] = []
    deadline = time.monotonic() + timeout
    while len(messages) < count and time.monotonic() < deadline:
        item = pubsub.get_message(timeout=0.1)
        if item is not None:
            messages.append(json.loads(item["data"]))
    return messages


def all_published(timeout: float = 3.0) -> bool:
    """Marked published (just after the PUBLISH, so allow a moment)."""
    deadline = time.monotonic() + timeout
    while Change.objects.filter(published_at__isnull=True).exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_a_batch_is_published_once_per_event_by_the_outbox_publisher(
    make_live_event: Callable[..., Event], live_channel: redis.client.PubSub, publisher: None
) -> None:
    first, second = make_live_event(), make_live_event(home="Spurs", away="Everton")
    # Somebody has the second match's page open (as a hub advertises it), nobody the first's.
    redis_client().hset(interest.watching_key(), "a-hub", interest.entry([second.pk]))
    drain(live_channel)
    with transaction.atomic(), batched_writes():
        services.record_score(event=first.pk, side="home", player="Saka")
        services.record_score(event=second.pk, side="away", player="Son")
        services.record_score(event=first.pk, side="home", player="Odegaard")
    messages = heard(live_channel, 2)
    by_event = {m["event_id"]: m for m in messages}
    assert set(by_event) == {first.pk, second.pk}
    # Arsenal's two goals are one message: version 4, covering from version 3 on.
    assert (by_event[first.pk]["version"], by_event[first.pk]["covers_from"]) == (4, 3)
    assert f'data-covers="{first.pk}:3"' in by_event[first.pk]["cursor"]
    assert 'data-version="4"' in by_event[first.pk]["row"]  # the event as it is now
    assert (by_event[second.pk]["version"], by_event[second.pk]["covers_from"]) == (3, 3)
    # Both events were read in one go: each message shows its own event.
    assert "Spurs" in by_event[second.pk]["row"] and "Spurs" not in by_event[first.pk]["row"]
    assert "Son" in by_event[second.pk]["detail"] and "Saka" not in by_event[second.pk]["detail"]
    assert by_event[first.pk]["detail"] == ""  # no page open: only its row is rendered
    assert heard(live_channel, 1, timeout=0.5) == []  # nothing twice
    assert all_published()


def test_changes_a_lost_wakeup_left_behind_are_published_when_idle(
    make_live_event: Callable[..., Event],
    live_channel: redis.client.PubSub,
    monkeypatch: pytest.MonkeyPatch,
    publisher: None,
) -> None:
    event = make_live_event()
    drain(live_channel)
    monkeypatch.setattr(bus, "wake_outbox", lambda change_ids, **_: None)  # the PUBLISH is lost
    with transaction.atomic(), batched_writes():
        services.record_score(event=event.pk, side="home", player="Saka")
        services.record_score(event=event.pk, side="home", player="Saka")
    (message,) = heard(live_channel, 1, timeout=5.0)
    assert (message["event_id"], message["version"], message["covers_from"]) == (event.pk, 4, 3)
    assert all_published()
