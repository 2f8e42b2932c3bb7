"""Bad input gets a 4xx (or a 4400 close on a socket), never a 500, and writes nothing.

"²" is the probe of choice: `"²".isdigit()` is true and `int("²")` raises.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from scoreboard import services
from scoreboard.models import Change, Competition, Event, Incident, Sport, Team
from tests.support.live_socket import communicator, run

pytestmark = pytest.mark.django_db


@pytest.fixture
def event() -> Event:
    sport = Sport.objects.create(slug="football", name="Football", kind="football")
    competition = Competition.objects.create(sport=sport, slug="pl", name="Premier League")
    created = services.create_event(
        competition=competition,
        home=Team.objects.create(sport=sport, name="Arsenal"),
        away=Team.objects.create(sport=sport, name="Chelsea"),
        kickoff=timezone.now(),
    )
    return services.change_status(event=created, status="live")


@pytest.fixture
def staff() -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("admin", "a@example.com", "pw-2026-x"))
    return client


@pytest.mark.parametrize("url", ["/day/9999-12-31/", "/day/0001-01-01/", "/day/?date=9999-12-31"])
def test_it_answers_404_for_a_day_at_the_end_of_the_calendar(client: Client, url: str) -> None:
    assert client.get(url).status_code == 404


def test_it_answers_400_for_a_console_event_that_is_not_an_id(staff: Client, event: Event) -> None:
    assert staff.get("/console/?event=%C2%B2").status_code == 400
    assert staff.get(f"/console/?event={event.pk}").status_code == 200


def test_it_answers_400_for_a_console_cursor_that_is_not_a_number(staff: Client) -> None:
    response = staff.get("/console/changes/?after=%C2%B2")
    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"
    assert staff.get("/console/changes/?after=0").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_it_closes_a_socket_4400_for_a_since_that_is_not_a_number() -> None:
    async def scenario() -> None:
        comm = communicator("live&since=%C2%B2")
        assert (await comm.connect())[0]
        output = await comm.receive_output(2)
        assert output["type"] == "websocket.close" and output["code"] == 4400

    run(scenario)


def _quick(staff: Client, event: Event, **fields: Any) -> tuple[int, list[str]]:
    data = {"expected_version": event.version, "quick": "goal_home", **fields}
    response = staff.post(f"/admin/scoreboard/event/{event.pk}/quick/", data)
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    return response.status_code, shown


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "bogus"},
        {"minute": "²"},
        {"minute": "99999"},
        {"player": "X" * 5000},
        {"quick": "yellow_home", "player": "Y" * 5000},
        {"expected_version": "²"},
    ],
    ids=["kind", "minute-unicode", "minute-range", "player-length", "card-player", "version"],
)
def test_the_admin_quick_action_refuses_bad_input_before_any_write(
    staff: Client, event: Event, fields: dict[str, str]
) -> None:
    changes, incidents = Change.objects.count(), Incident.objects.filter(event=event).count()
    status, shown = _quick(staff, event, **fields)
    assert status == 302
    assert any(m.startswith(("Not applied", "Missing version")) for m in shown), shown
    assert Change.objects.count() == changes  # nothing committed
    assert Incident.objects.filter(event=event).count() == incidents
    assert Event.objects.get(pk=event.pk).home_score == 0


def test_the_admin_quick_action_still_records_a_valid_goal(staff: Client, event: Event) -> None:
    status, shown = _quick(staff, event, player="Saka", minute="23", kind="penalty_goal")
    assert status == 302
    assert any(m.startswith("Penalty goal Arsenal Saka 23'") for m in shown), shown
    assert Event.objects.get(pk=event.pk).home_score == 1
    goal = Incident.objects.filter(event=event).latest("id")
    assert (goal.player, goal.minute, goal.kind) == ("Saka", 23, "penalty_goal")
