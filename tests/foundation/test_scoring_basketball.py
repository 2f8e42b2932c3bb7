"""Basketball: quarters, 1/2/3 points, overtime, no draws."""

from __future__ import annotations

import pytest

from scoreboard import services
from scoreboard.errors import InvalidChange
from scoreboard.models import Status

from .conftest import next_period, score


def test_it_scores_one_two_and_three_points_but_not_four(make_event) -> None:
    event = make_event("basketball", live=True)
    for points in (1, 2, 3):
        event = services.record_score(event=event, side="home", points=points)
    assert (event.home_score, event.period_scores[0]["home"]) == (6, 6)
    with pytest.raises(InvalidChange, match="basketball scores 1, 2, 3 at a time, not 4"):
        services.record_score(event=event, side="home", points=4)


def test_it_goes_to_overtime_when_level_and_never_finishes_level(make_event) -> None:
    event = make_event("basketball", live=True)
    for _ in range(3):
        event = next_period(event)
    assert event.period == "Q4"
    event = score(event, "home", points=2)
    event = score(event, "away", points=2)
    event = services.change_status(event=event, status=Status.BREAK)
    with pytest.raises(InvalidChange, match="cannot finish level"):
        services.change_status(event=event, status=Status.FINISHED)

    event = services.change_status(event=event, status=Status.LIVE)
    assert event.period == "OT1"
    event = score(event, "away", points=3)
    event = services.change_status(event=event, status=Status.FINISHED)
    assert (event.home_score, event.away_score, event.winner) == (2, 5, "away")
    assert event.period_scores[-1] == {"period": "OT1", "home": 0, "away": 3}
