"""Undo of the last console action for 10 seconds, as a correction through the services."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from scoreboard import services
from scoreboard.console import actions
from scoreboard.models import Change, Event, Source
from scoreboard.services import Actor

from .conftest import client_for

pytestmark = pytest.mark.django_db


def _undo_url(html: str) -> str:
    start = html.index('hx-post="/console/undo/') + len('hx-post="')
    return html[start : html.index('"', start)]


def _goal(client: Client, event: Event) -> str:
    response = client.post(
        reverse("console:act", args=[event.pk, "score"]),
        {"side": "home", "player": "Saka", "expected_version": event.version},
    )
    assert response.status_code == 200
    return response.content.decode()


def test_it_undoes_a_goal_as_a_removal_with_reason_undone(
    editor: User, make_event: Callable[..., Event]
) -> None:
    event = make_event()
    client = client_for(editor)
    html = _goal(client, event)
    assert "Undo" in html

    response = client.post(_undo_url(html))

    assert response.status_code == 200
    event.refresh_from_db()
    assert (event.home_score, event.away_score) == (0, 0)
    goal = event.incidents.get(kind="goal")
    assert goal.cancelled and goal.cancel_reason == "undone"
    last = Change.objects.filter(event=event).last()
    assert (last.kind, last.source, last.user_id) == ("incident_removed", "console", editor.pk)
    # One undo per action.
    assert client.post(_undo_url(html)).status_code == 400


def test_it_undoes_a_clock_stop(editor: User, make_event: Callable[..., Event]) -> None:
    event = make_event()
    client = client_for(editor)
    response = client.post(
        reverse("console:act", args=[event.pk, "clock"]),
        {"running": "0", "expected_version": event.version},
    )
    client.post(_undo_url(response.content.decode()))
    event.refresh_from_db()
    assert event.clock_running


def test_it_refuses_undo_after_ten_seconds(
    editor: User, make_event: Callable[..., Event], monkeypatch: pytest.MonkeyPatch
) -> None:
    event = make_event()
    client = client_for(editor)
    html = _goal(client, event)
    real = actions.time.time
    monkeypatch.setattr(actions.time, "time", lambda: real() + actions.UNDO_WINDOW_SECONDS + 1)

    response = client.post(_undo_url(html))

    assert response.status_code == 400
    assert "Too late to undo" in response.content.decode()
    event.refresh_from_db()
    assert event.home_score == 1


def test_it_refuses_undo_on_top_of_someone_elses_change(
    editor: User, editor2: User, make_event: Callable[..., Event]
) -> None:
    event = make_event()
    client = client_for(editor)
    html = _goal(client, event)
    services.record_score(event=event, side="away", actor=Actor(source=Source.FEED, detail="opta"))

    response = client.post(_undo_url(html))

    assert response.status_code == 409
    assert "Away" in response.content.decode() or "away" in response.content.decode()
    event.refresh_from_db()
    assert (event.home_score, event.away_score) == (1, 1)


def test_it_explains_why_finishing_cannot_be_undone(
    editor: User, make_event: Callable[..., Event]
) -> None:
    event = make_event()
    response = client_for(editor).post(
        reverse("console:act", args=[event.pk, "finish"]), {"expected_version": event.version}
    )
    html = response.content.decode()
    assert "No undo: finished is a final status" in html
    assert "/console/undo/" not in html
