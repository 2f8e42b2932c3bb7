"""Who may use the console: anonymous -> login, no role -> 403, viewer reads, editor acts."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from scoreboard.models import Change, Event

from .conftest import client_for

pytestmark = pytest.mark.django_db

ACTIONS: dict[str, dict[str, str]] = {
    "score": {"side": "home", "player": "Saka"},
    "card": {"side": "away", "color": "yellow"},
    "sub": {"side": "home", "player": "Trossard", "player_out": "Martinelli"},
    "clock": {"running": "0"},
    "period": {},
    "finish": {},
    "remove": {"reason": "VAR: offside"},
    "correct": {"reason": "wrong player", "player": "Odegaard"},
}


def _get_urls(event: Event) -> list[str]:
    return [
        reverse("console:index"),
        reverse("console:index") + f"?event={event.pk}",
        reverse("console:card", args=[event.pk]),
        reverse("console:panel", args=[event.pk]),
        reverse("console:panel", args=[event.pk]) + "?part=live",
        reverse("console:changes") + "?after=0",
        reverse("console:ops"),
        reverse("console:metrics"),
    ]


def _post(client: Client, event: Event, action: str) -> int:
    data = {**ACTIONS[action], "expected_version": event.version}
    if action in ("remove", "correct"):
        data["incident"] = event.incidents.first().pk
    return client.post(reverse("console:act", args=[event.pk, action]), data).status_code


@pytest.fixture
def event(make_event: Callable[..., Event]) -> Event:
    return make_event()


def test_it_sends_anonymous_visitors_to_the_admin_login(event: Event) -> None:
    client = client_for(None)
    for url in _get_urls(event):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/?next=")
    for action in ACTIONS:
        before = Change.objects.count()
        assert _post(client, event, action) == 302, action
        assert Change.objects.count() == before
    assert client.post(reverse("console:undo", args=["x"])).status_code == 302


@pytest.mark.parametrize("persona", ["outsider", "fan"])
def test_it_refuses_users_without_a_console_role(
    persona: str, event: Event, request: pytest.FixtureRequest
) -> None:
    client = client_for(request.getfixturevalue(persona))
    for url in _get_urls(event):
        assert client.get(url).status_code == 403, url
    for action in ACTIONS:
        assert _post(client, event, action) == 403, action
    assert client.post(reverse("console:undo", args=["x"])).status_code == 403
    assert Change.objects.filter(event=event).count() == 2  # created + kick-off only


def test_it_lets_viewers_read_but_not_act(viewer: User, event: Event) -> None:
    client = client_for(viewer)
    for url in _get_urls(event):
        assert client.get(url).status_code == 200, url
    page = client.get(reverse("console:index") + f"?event={event.pk}").content.decode()
    assert "Read-only" in page
    assert "Goal " not in page  # no action buttons
    for action in ACTIONS:
        assert _post(client, event, action) == 403, action
    assert client.post(reverse("console:undo", args=["x"])).status_code == 403
    assert Change.objects.filter(event=event).count() == 2


def test_it_lets_editors_read_and_run_every_action(editor: User, event: Event) -> None:
    client = client_for(editor)
    for url in _get_urls(event):
        assert client.get(url).status_code == 200, url
    # In play order: a goal, then correct and disallow it, a card, a sub, stop the
    # clock, half-time, the second half, full time.
    for action in ("score", "correct", "remove", "card", "sub", "clock", "period", "period"):
        event.refresh_from_db()
        assert _post(client, event, action) == 200, action
    event.refresh_from_db()
    assert _post(client, event, "finish") == 200
    event.refresh_from_db()
    assert event.status == "finished"
    assert set(Change.objects.filter(event=event, version__gt=2).values_list("source", "user")) == {
        ("console", editor.pk)
    }


def test_it_requires_csrf_on_every_console_post(editor: User, event: Event) -> None:

    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    for action in ACTIONS:
        assert _post(client, event, action) == 403, action
    page = client.get(reverse("console:index")).content.decode()
    assert 'hx-headers=\'{"X-CSRFToken": "' in page  # htmx sends the token on every post
    token = client.cookies["csrftoken"].value
    response = client.post(
        reverse("console:act", args=[event.pk, "score"]),
        {"side": "home", "expected_version": event.version},
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 200


def test_it_renders_the_board_and_an_open_event_in_a_fixed_number_of_queries(
    editor: User, make_event: Callable[..., Event], django_assert_max_num_queries: Callable
) -> None:
    events = [make_event(home=f"Home {n}", away=f"Away {n}") for n in range(6)]
    client = client_for(editor)
    client.get(reverse("console:index"))  # warm the session and permission caches
    with django_assert_max_num_queries(12):
        response = client.get(reverse("console:index") + f"?event={events[0].pk}")
    assert response.content.decode().count('class="card ') == 6


def test_it_logs_out_from_the_console_with_a_post(editor: User) -> None:
    client = client_for(editor)
    page = client.get(reverse("console:index")).content.decode()
    assert f'action="{reverse("admin:logout")}"' in page
    client.post(reverse("admin:logout"))
    assert client.get(reverse("console:index")).status_code == 302


def test_it_tells_a_console_without_its_socket_which_events_changed(
    viewer: User, make_event: Callable[..., Event]
) -> None:
    from scoreboard import services

    quiet, busy = make_event(), make_event(home="Spurs", away="Fulham")
    client = client_for(viewer)
    seq = client.get(reverse("console:changes")).json()["seq"]
    services.record_score(event=busy, side="home")
    answer = client.get(reverse("console:changes") + f"?after={seq}").json()
    assert answer["events"] == [busy.pk]
    assert answer["seq"] > seq
    assert quiet.pk not in answer["events"]
