"""The publisher: one message per change, fragments rendered once, published once."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest

from scoreboard import services
from scoreboard.live import bus, interest, publisher
from scoreboard.models import Change, Event
from tests.support.live_socket import communicator, db, receive_html, run

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Messages the publisher hands to the backplane (still sent for real)."""
    sent: list[dict[str, Any]] = []
    real_send = publisher.send

    def spy(message: dict[str, Any]) -> bool:
        sent.append(json.loads(json.dumps(message)))
        return real_send(message)

    monkeypatch.setattr(publisher, "send", spy)
    return sent


def test_it_renders_once_per_change_whatever_the_number_of_viewers(
    live_football_event: Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = live_football_event
    renders: list[int] = []
    real_render = publisher.render_event_fragments

    def counting_render(event: Event, **options: Any) -> Any:
        renders.append(event.pk)
        return real_render(event, **options)

    monkeypatch.setattr(publisher, "render_event_fragments", counting_render)

    async def scenario() -> None:
        viewers = [communicator(f"event.{event.pk}") for _ in range(4)]
        viewers += [communicator("live") for _ in range(4)]
        for viewer in viewers:
            assert (await viewer.connect())[0]
        await db(services.record_score, event=event, side="home", player="Saka")
        for viewer in viewers:
            assert 'data-version="3"' in await receive_html(viewer)
        for viewer in viewers:
            await viewer.disconnect()

    run(scenario)
    assert renders == [event.pk]


def test_it_publishes_one_message_with_topics_fragments_and_timestamps(
    live_football_event: Event, published: list[dict[str, Any]]
) -> None:
    event = live_football_event
    services.record_score(event=event, side="home", player="Saka")
    change = Change.objects.last()
    assert change is not None
    (message,) = published
    assert message["seq"] == change.pk
    assert (message["event_id"], message["version"], message["kind"]) == (event.pk, 3, "score")
    day = event.kickoff.astimezone(dt.UTC).date().isoformat()
    assert message["topics"] == [
        f"event.{event.pk}",
        f"competition.{event.competition_id}",
        "sport.football",
        f"day.{day}",
        "live",
    ]
    assert f'id="event-row-{event.pk}"' in message["row"]
    assert message["detail"] == ""  # nobody has the event's page open: its row only
    assert f'data-seq="{change.pk}"' in message["cursor"]
    ts = message["ts"]
    assert ts["received"] is None  # a staff edit: no upstream receipt time
    assert ts["committed"] <= ts["published"]
    assert message["data"]["event"]["home_score"] == 1
    assert change.published_at is not None


def test_it_carries_the_ingestion_receipt_time_when_given(
    live_football_event: Event, published: list[dict[str, Any]]
) -> None:
    event = live_football_event
    services.record_score(event=event, side="home", player="Saka")
    change = Change.objects.last()
    assert change is not None
    assert publisher.received_at({"data": {"received_at": 1_700_000_000.5}}) == 1_700_000_000.5
    assert publisher.received_at({"received_at": "2026-01-01T00:00:00+00:00"}) == 1767225600.0


def test_it_tells_live_now_when_an_event_leaves_live(
    live_football_event: Event, published: list[dict[str, Any]]
) -> None:
    services.change_status(event=live_football_event, status="finished")
    assert "live" in published[-1]["topics"]
    assert 'data-status="finished"' in published[-1]["row"]


def test_it_does_not_publish_to_live_for_events_that_never_were(
    make_live_event: Callable[..., Event], published: list[dict[str, Any]]
) -> None:
    event = make_live_event(status="scheduled")
    services.change_status(event=event, status="postponed")
    assert "live" not in published[-1]["topics"]


def test_it_leaves_a_change_for_the_relay_when_publishing_fails(
    live_football_event: Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(publisher, "send", lambda message: False)
    services.record_score(event=live_football_event, side="home", player="Saka")
    change = Change.objects.last()
    assert change is not None and change.published_at is None


def test_it_can_lose_a_message_in_transit_for_tests(
    live_football_event: Event, published: list[dict[str, Any]]
) -> None:
    with publisher.dropping_publishes() as dropped:
        services.record_score(event=live_football_event, side="home", player="Lost")
    services.record_score(event=live_football_event, side="home", player="Next")
    lost = Change.objects.get(pk=dropped[0])
    assert lost.published_at is not None  # the relay will not resend it
    assert [m["version"] for m in published] == [4]  # the page sees 2 -> 4: a gap


def test_it_renders_the_detail_only_while_the_events_page_is_watched(
    live_football_event: Event, published: list[dict[str, Any]]
) -> None:
    event = live_football_event
    # A hub in some process advertises a socket on the event's page (interest.py).
    bus.redis_client().hset(interest.watching_key(), "a-hub", interest.entry([event.pk]))
    services.record_score(event=event, side="home", player="Saka")
    bus.redis_client().hdel(interest.watching_key(), "a-hub")
    services.record_score(event=event, side="away", player="Son")
    watched, unwatched = published
    assert f'id="event-header-{event.pk}"' in watched["detail"] and "Saka" in watched["detail"]
    assert unwatched["detail"] == "" and 'data-version="4"' in unwatched["row"]
