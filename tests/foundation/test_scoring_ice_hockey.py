"""Ice hockey: three periods, overtime, shoot-out (winner credited one goal)."""

from __future__ import annotations

import pytest

from scoreboard import services
from scoreboard.errors import InvalidChange
from scoreboard.models import Status

from .conftest import next_period, score


def test_it_plays_overtime_and_a_shoot_out_when_level(make_event) -> None:
    event = score(make_event("ice_hockey", live=True), "home")
    event = next_period(event)
    event = score(event, "away")
    event = next_period(event)
    assert event.period == "P3"
    event = services.change_status(event=event, status=Status.BREAK)
    with pytest.raises(InvalidChange, match="cannot finish level"):
        services.change_status(event=event, status=Status.FINISHED)
    event = services.change_status(event=event, status=Status.LIVE)
    assert event.period == "OT"
    event = next_period(event)
    assert event.period == "SO"
    event = score(event, "home", times=2)
    event = score(event, "away", times=1)
    assert (event.home_score, event.away_score) == (1, 1)  # kicks are not match goals

    event = services.change_status(event=event, status=Status.FINISHED)

    assert (event.home_score, event.away_score, event.winner) == (2, 1, "home")
    assert event.period_scores[-1] == {"period": "SO", "home": 2, "away": 1}


def test_it_ends_in_regulation_when_not_level(make_event) -> None:
    event = make_event("ice_hockey", live=True)
    event = next_period(next_period(event))
    event = score(event, "away", times=2)
    event = services.change_status(event=event, status=Status.BREAK)
    with pytest.raises(InvalidChange, match="OT cannot follow P3"):
        services.change_status(event=event, status=Status.LIVE, period="OT")
    event = services.change_status(event=event, status=Status.FINISHED)
    assert (event.status, event.winner) == (Status.FINISHED, "away")
