"""Football: halves, extra time, penalty shoot-out."""

from __future__ import annotations

import pytest

from scoreboard import services
from scoreboard.errors import InvalidChange
from scoreboard.models import IncidentKind, Status

from .conftest import next_period, score


def test_it_books_goals_to_the_half_and_allows_a_draw(make_event) -> None:
    event = make_event("football", live=True)
    event = services.record_score(event=event, side="home", player="Bukayo Reed", minute=23)
    event = next_period(event)
    event = services.record_score(event=event, side="away", player="Cole Palmer", minute=88)
    event = services.change_status(event=event, status=Status.FINISHED)

    assert (event.home_score, event.away_score, event.winner) == (1, 1, "")
    assert event.period_scores == [
        {"period": "1H", "home": 1, "away": 0},
        {"period": "2H", "home": 0, "away": 1},
    ]
    goals = event.incidents.filter(kind=IncidentKind.GOAL).order_by("minute")
    assert [(g.minute, g.player, g.side) for g in goals] == [
        (23, "Bukayo Reed", "home"),
        (88, "Cole Palmer", "away"),
    ]


def test_it_only_allows_extra_time_when_level(make_event) -> None:
    event = score(make_event("football", live=True), "home")
    event = next_period(event)
    event = services.change_status(event=event, status=Status.BREAK)
    with pytest.raises(InvalidChange, match="ET1 cannot follow 2H at this score"):
        services.change_status(event=event, status=Status.LIVE, period="ET1")


def test_it_plays_extra_time_and_a_shoot_out_to_a_winner(make_event) -> None:
    event = score(make_event("football", live=True), "home")
    event = next_period(event)  # 2H
    event = score(event, "away")
    event = next_period(event, "ET1")
    event = next_period(event)  # ET2
    assert event.period == "ET2"
    event = next_period(event, "PEN")
    # Shoot-out: home score 4 of 5, away 3 of 5.
    for taker in range(5):
        event = services.record_score(event=event, side="home", kind=IncidentKind.PENALTY_GOAL)
        if taker == 4:
            services.add_incident(event=event, kind=IncidentKind.PENALTY_MISSED, side="away")
        elif taker < 3:
            event = services.record_score(event=event, side="away", kind=IncidentKind.PENALTY_GOAL)
        else:
            services.add_incident(event=event, kind=IncidentKind.PENALTY_MISSED, side="away")
    event = services.change_status(event=event, status=Status.FINISHED)

    # The match score stays 1-1; the shoot-out decides the winner.
    assert (event.home_score, event.away_score) == (1, 1)
    assert event.period_scores[-1] == {"period": "PEN", "home": 5, "away": 3}
    assert (event.status, event.winner) == (Status.FINISHED, "home")


def test_it_takes_back_a_disallowed_goal(make_event) -> None:
    event = services.record_score(event=make_event("football", live=True), side="home")
    goal = event.incidents.get(kind=IncidentKind.GOAL)
    services.remove_incident(incident=goal, reason="VAR: offside")
    event.refresh_from_db()
    goal.refresh_from_db()
    assert (event.home_score, event.period_scores[0]["home"]) == (0, 0)
    assert (goal.cancelled, goal.cancel_reason) == (True, "VAR: offside")
