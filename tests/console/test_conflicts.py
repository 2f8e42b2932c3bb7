"""No lost update: a console edit based on an old version is refused and explained."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from scoreboard import services
from scoreboard.models import Change, Event, Source
from scoreboard.services import Actor

from .conftest import client_for

pytestmark = pytest.mark.django_db


def test_it_refuses_a_stale_goal_with_409_and_writes_nothing(
    editor: User, editor2: User, make_event: Callable[..., Event]
) -> None:
    event = make_event()
    seen = event.version
    # Another editor scores first.
    services.record_score(
        event=event, side="away", player="Palmer", actor=Actor(source=Source.CONSOLE, user=editor2)
    )
    before = list(Change.objects.values_list("id", flat=True))

    response = client_for(editor).post(
        reverse("console:act", args=[event.pk, "score"]),
        {"side": "home", "player": "Saka", "minute": "23", "expected_version": seen},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 409
    assert list(Change.objects.values_list("id", flat=True)) == before
    event.refresh_from_db()
    assert (event.home_score, event.away_score) == (0, 1)
    html = response.content.decode()
    assert "Not saved" in html
    assert f"you had version {seen}, it is now {seen + 1}" in html
    # What changed meanwhile: the other editor's goal, with who and from where.
    assert "Goal (away) Palmer" in html
    assert "eddie" in html and "Console" in html
    # The re-apply form carries the same fields on top of the current version.
    assert 'name="player" value="Saka"' in html
    assert 'name="minute" value="23"' in html
    assert f'name="expected_version" value="{seen + 1}"' in html


def test_it_reapplies_the_refused_edit_on_the_current_state(
    editor: User, editor2: User, make_event: Callable[..., Event]
) -> None:
    event = make_event()
    seen = event.version
    other = Actor(source=Source.CONSOLE, user=editor2)
    services.record_score(event=event, side="away", actor=other)
    client = client_for(editor)
    url = reverse("console:act", args=[event.pk, "score"])
    assert client.post(url, {"side": "home", "expected_version": seen}).status_code == 409

    response = client.post(url, {"side": "home", "player": "Saka", "expected_version": seen + 1})

    assert response.status_code == 200
    event.refresh_from_db()
    assert (event.home_score, event.away_score, event.version) == (1, 1, seen + 2)


def test_it_reports_an_illegal_action_without_writing(
    editor: User, make_event: Callable[..., Event]
) -> None:
    event = make_event(status="scheduled")
    response = client_for(editor).post(
        reverse("console:act", args=[event.pk, "score"]),
        {"side": "home", "expected_version": event.version},
    )
    assert response.status_code == 400
    assert "scores can only be recorded while an event is live" in response.content.decode()
    assert Change.objects.filter(event=event).count() == 1


def test_it_needs_a_reason_to_remove_an_incident(
    editor: User, make_event: Callable[..., Event]
) -> None:
    event = services.record_score(event=make_event(), side="home", player="Saka")
    goal = event.incidents.get(kind="goal")
    response = client_for(editor).post(
        reverse("console:act", args=[event.pk, "remove"]),
        {"incident": goal.pk, "reason": "", "expected_version": event.version},
    )
    assert response.status_code == 400
    assert "reason" in response.content.decode()
    goal.refresh_from_db()
    assert not goal.cancelled
