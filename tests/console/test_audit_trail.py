"""The audit trail shows who changed what, when and from where: feed, admin, console.

Each change comes in through its real entry point: the feed's ingest, the admin's
quick action, the console's action endpoint.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from scoreboard.feeds.ingest import ingest_batch
from scoreboard.models import Change, Event, ProviderMapping

from .conftest import client_for

pytestmark = pytest.mark.django_db


def _rows(html: str) -> list[str]:
    body = html[html.index('id="panel-audit"') :]
    return [" ".join(row.split()) for row in body.split("<tr")[2:]]


def _feed_goal(event: Event) -> None:
    ProviderMapping.objects.create(
        provider="opta", kind="event", provider_id="m-1", object_id=event.pk
    )
    message = {
        "id": "opta-1",
        "seq": 1,
        "ts": time.time(),
        "match": "m-1",
        "status": "live",
        "period": "1H",
        "clock": {"running": True, "elapsed": 600},
        "score": {"home": 1, "away": 0},
        "incidents": [
            {"id": "i1", "kind": "goal", "period": "1H", "minute": 10, "side": "home",
             "player": "Saka", "points": 1, "cancelled": False},
        ],
    }  # fmt: skip
    ingest_batch(provider="opta", raw_messages=[message], received_at=time.time())


def test_it_shows_source_and_user_for_feed_admin_and_console_changes(
    editor: User, editor2: User, viewer: User, make_event: Callable[..., Event]
) -> None:
    event = make_event()
    _feed_goal(event)
    event.refresh_from_db()
    assert event.home_score == 1, "the feed's goal was applied"
    client_for(editor2).post(
        reverse("admin:scoreboard_event_quick", args=[event.pk]),
        {"quick": "yellow_away", "player": "Caicedo", "expected_version": event.version},
    )
    event.refresh_from_db()
    client_for(editor).post(
        reverse("console:act", args=[event.pk, "score"]),
        {"side": "away", "player": "Palmer", "expected_version": event.version},
    )
    assert list(Change.objects.filter(event=event).values_list("source", flat=True))[-3:] == [
        "feed",
        "admin",
        "console",
    ]

    html = client_for(viewer).get(reverse("console:panel", args=[event.pk])).content.decode()
    rows = _rows(html)

    assert "Goal (away) Palmer" in rows[0] and "Console" in rows[0] and "erin" in rows[0]
    assert "Yellow card (away) Caicedo" in rows[1] and "Admin" in rows[1] and "eddie" in rows[1]
    feed_rows = [row for row in rows[2:] if "Feed" in row]
    assert feed_rows and all("opta" in row for row in feed_rows)
    assert any("Saka" in row for row in feed_rows)
    assert not any("rx=" in row for row in rows)  # provider name, not its internals
