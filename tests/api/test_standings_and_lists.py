"""Standings from finished results, event filters and cursor pagination."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from scoreboard import services
from scoreboard.models import Competition, Sport, Team
from tests.api.conftest import finish

pytestmark = pytest.mark.django_db


def test_it_ranks_football_by_points_then_goal_difference(world, partner_client) -> None:
    _a, _c, _e, _f = world.teams
    finish(world.events[0], 3, 0)  # Arsenal 3-0 Chelsea
    finish(world.events[1], 1, 1)  # Everton 1-1 Fulham
    finish(world.events[2], 0, 1)  # Arsenal 0-1 Everton
    table = partner_client.get(f"/api/v1/competitions/{world.competition.pk}/standings").json()
    assert table["system"] == "points"
    rows = [(r["team"]["name"], r["points"], r["difference"], r["played"]) for r in table["rows"]]
    assert rows == [
        ("Everton", 4, 1, 2),
        ("Arsenal", 3, 2, 2),
        ("Fulham", 1, 0, 1),
        ("Chelsea", 0, -3, 1),
    ]


def test_it_ranks_other_sports_by_wins(partner_client) -> None:
    sport = Sport.objects.create(slug="basketball", name="Basketball", kind="basketball")
    league = Competition.objects.create(sport=sport, slug="nba", name="NBA")
    x, y, z = (Team.objects.create(sport=sport, name=n) for n in ("X", "Y", "Z"))
    now = timezone.now()
    for home, away, hs, as_ in [(x, y, 3, 1), (z, x, 2, 0), (z, y, 1, 0)]:
        event = services.create_event(competition=league, home=home, away=away, kickoff=now)
        event = services.change_status(event=event, status="live")
        if hs:
            event = services.record_score(event=event, side="home", points=hs)
        if as_:
            event = services.record_score(event=event, side="away", points=as_)
        for status in ["break", "live"] * 3 + ["finished"]:
            event = services.change_status(event=event, status=status)
    table = partner_client.get(f"/api/v1/competitions/{league.pk}/standings").json()
    assert table["system"] == "wins"
    assert [(r["team"]["name"], r["won"], r["lost"], r["points"]) for r in table["rows"]] == [
        ("Z", 2, 0, None),
        ("X", 1, 1, None),
        ("Y", 0, 2, None),
    ]


def test_it_filters_events(world, partner_client) -> None:
    services.change_status(event=world.events[1], status="live")
    live = partner_client.get("/api/v1/events", {"status": "live"}).json()["results"]
    assert [e["id"] for e in live] == [world.events[1].pk]
    fulham = world.teams[3].pk
    with_team = partner_client.get("/api/v1/events", {"team": fulham}).json()["results"]
    assert {e["id"] for e in with_team} == {world.events[1].pk, world.events[3].pk}
    today = timezone.now().date()
    dated = partner_client.get(
        "/api/v1/events", {"date_from": today - dt.timedelta(days=1), "date_to": today}
    ).json()["results"]
    assert len(dated) >= 1
    since = (timezone.now() - dt.timedelta(seconds=5)).isoformat()
    assert partner_client.get("/api/v1/events", {"updated_since": since}).status_code == 200
    assert partner_client.get("/api/v1/events", {"status": "nope"}).status_code == 400


def test_it_pages_events_in_stable_kickoff_order(world, partner_client) -> None:
    ids: list[int] = []
    url = "/api/v1/events?page_size=3"
    while url:
        page = partner_client.get(url).json()
        ids.extend(e["id"] for e in page["results"])
        url = page["next"]
    assert ids == [e.pk for e in sorted(world.events, key=lambda e: (e.kickoff, e.pk))]


def test_it_serves_event_detail_with_timeline_and_periods(world, partner_client) -> None:
    event = services.change_status(event=world.events[0], status="live")
    services.record_score(event=event, side="away", player="Palmer", minute=12)
    body = partner_client.get(f"/api/v1/events/{event.pk}").json()
    assert body["away_score"] == 1
    assert body["period_scores"] == [{"period": "1H", "home": 0, "away": 1}]
    assert [(i["kind"], i["player"]) for i in body["incidents"]] == [
        ("period_start", ""),
        ("goal", "Palmer"),
    ]


def test_it_lists_events_in_a_fixed_number_of_queries(world, partner_client) -> None:
    partner_client.get("/api/v1/events")
    with CaptureQueriesContext(connection) as queries:
        assert partner_client.get("/api/v1/events").status_code == 200
    # key, versions (sequence and reference, one query), the page (joined), versions
    # again (the body is tagged only if they did not move): no N+1 over events.
    assert len(queries) == 4, [q["sql"] for q in queries]
