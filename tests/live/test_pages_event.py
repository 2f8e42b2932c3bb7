"""Event page: header, per-period scores, timeline (cancelled incidents struck through),
tennis points with AD and the server."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import timezone

from scoreboard import services
from scoreboard.models import Competition, Sport, Team
from tests.live.pages_world import World, build_world, incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


def test_it_shows_score_status_periods_and_timeline(client: Client, world: World) -> None:
    event = world.live("Arsenal", "Chelsea")
    services.record_score(event=event, side="home", player="Saka", minute=12)
    services.add_incident(event=event, kind="yellow_card", side="away", player="Caicedo")
    services.change_status(event=event, status="break")
    services.change_status(event=event, status="live")
    services.record_score(event=event, side="away", player="Palmer", kind="penalty_goal")
    services.add_incident(
        event=event, kind="substitution", side="home", player="Havertz", detail="for Jesus"
    )

    html = client.get(f"/events/{event.pk}/").content.decode()

    header = html[html.index(f'id="event-header-{event.pk}"') :]
    assert '<span class="score home">1</span>' in header[:5000]
    assert '<span class="score away">1</span>' in header[:5000]
    assert "2nd half" in header[:5000]
    periods = html[html.index(f'id="event-periods-{event.pk}"') :]
    assert ">1st<" in periods and ">2nd<" in periods
    timeline = html[html.index(f'id="event-timeline-{event.pk}"') :]
    for text in ("Saka", "12&#x27;", "Caicedo", "Palmer", "(pen)", "Havertz", "for Jesus"):
        assert text in timeline
    assert "Half-time" in timeline and "Start of 2nd half" in timeline
    assert timeline.index("Saka") < timeline.index("Half-time") < timeline.index("Palmer")


def test_it_strikes_through_a_cancelled_goal_with_its_reason(client: Client, world: World) -> None:
    event = world.live("Arsenal", "Chelsea")
    services.record_score(event=event, side="home", player="Havertz")
    services.remove_incident(incident=incident(event, "Havertz"), reason="Offside (VAR)")

    html = client.get(f"/events/{event.pk}/").content.decode()

    pk = incident(event, "Havertz").pk
    item = re.search(rf'<li [^>]*id="incident-{pk}".*?</li>', html, re.S).group(0)
    assert "is-cancelled" in item
    assert "<s><strong>Havertz</strong>" in item
    assert "Cancelled: Offside (VAR)" in item
    assert '<span class="score home">0</span>' in html


def test_it_shows_tennis_points_with_advantage_and_the_server(client: Client) -> None:
    tennis = Sport.objects.create(slug="tennis", name="Tennis", kind="tennis")
    atp = Competition.objects.create(sport=tennis, slug="atp", name="ATP Finals")
    event = services.create_event(
        competition=atp,
        home=Team.objects.create(sport=tennis, name="Sinner"),
        away=Team.objects.create(sport=tennis, name="Alcaraz"),
        kickoff=timezone.now(),
    )
    services.change_status(event=event, status="live")
    for side in ("home", "away", "home", "away", "home", "away", "home"):  # deuce, then AD
        services.record_score(event=event, side=side)

    html = client.get(f"/events/{event.pk}/").content.decode()

    header = html[html.index(f'id="event-header-{event.pk}"') :][:6000]
    assert '<span class="pts home serving">AD</span>' in header
    assert '<span class="pts away">40</span>' in header
    assert "Set 1" in header


def test_it_shows_a_tie_break(client: Client) -> None:
    tennis = Sport.objects.create(slug="tennis", name="Tennis", kind="tennis")
    atp = Competition.objects.create(sport=tennis, slug="atp", name="ATP Finals")
    event = services.create_event(
        competition=atp,
        home=Team.objects.create(sport=tennis, name="Sinner"),
        away=Team.objects.create(sport=tennis, name="Alcaraz"),
        kickoff=timezone.now(),
    )
    services.change_status(event=event, status="live")
    for _game in range(6):  # 6-6: each holds serve
        for side in ("home", "away"):
            for _ in range(4):
                services.record_score(event=event, side=side)
    services.record_score(event=event, side="away")

    html = client.get(f"/events/{event.pk}/").content.decode()

    assert "Tie-break" in html
    # Tie-break points are digits; the serve has passed to the away player after one.
    assert '<span class="pts home">0</span>' in html
    assert '<span class="pts away serving">1</span>' in html


def test_it_reads_in_a_fixed_number_of_queries(
    client: Client, world: World, django_assert_num_queries: object
) -> None:
    event = world.live("Arsenal", "Chelsea")
    for n in range(8):
        services.record_score(event=event, side="home", player=f"Scorer {n}")
        services.add_incident(event=event, kind="yellow_card", side="away", player=f"P{n}")

    # cursor, event, incidents (with teams), feed health (in a savepoint)
    with django_assert_num_queries(6):  # type: ignore[operator]
        assert client.get(f"/events/{event.pk}/").status_code == 200


def test_it_answers_404_for_an_unknown_event(client: Client, world: World) -> None:
    assert client.get("/events/999999/").status_code == 404
