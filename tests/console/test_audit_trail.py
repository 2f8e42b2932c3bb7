"""The audit trail shows who changed what, when and from where: feed, admin, console."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from scoreboard import services
from scoreboard.models import Event, Source
from scoreboard.services import Actor

from .conftest import client_for

pytestmark = pytest.mark.django_db


def _rows(html: str) -> list[str]:
    body = html[html.index('id="panel-audit"') :]
    return [" ".join(row.split()) for row in body.split("<tr")[2:]]


def test_it_shows_source_and_user_for_feed_admin_and_console_changes(
    editor: User, viewer: User, make_event: Callable[..., Event]
) -> None:
    event = make_event()
    services.record_score(
        event=event, side="home", player="Saka", actor=Actor(source=Source.FEED, detail="opta")
    )
    services.add_incident(
        event=event,
        kind="yellow_card",
        side="away",
        player="Caicedo",
        actor=Actor(source=Source.ADMIN, user=viewer),
    )
    client_for(editor).post(
        reverse("console:act", args=[event.pk, "score"]),
        {"side": "away", "player": "Palmer", "expected_version": event.version + 2},
    )

    html = client_for(viewer).get(reverse("console:panel", args=[event.pk])).content.decode()
    rows = _rows(html)

    assert "Goal (away) Palmer" in rows[0] and "Console" in rows[0] and "erin" in rows[0]
    assert "Yellow card (away) Caicedo" in rows[1] and "Admin" in rows[1] and "vic" in rows[1]
    assert "Goal (home) Saka" in rows[2] and "Feed" in rows[2] and "opta" in rows[2]
