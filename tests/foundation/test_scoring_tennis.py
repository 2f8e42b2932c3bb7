"""Tennis: points, deuce and advantage, games, sets, tie-break and the server."""

from __future__ import annotations

import pytest

from scoreboard import services
from scoreboard.errors import InvalidChange
from scoreboard.models import Status
from scoreboard.rules import rules_for
from scoreboard.services.events import score_of

TENNIS = rules_for("tennis")


def display(event) -> tuple[str, str]:
    return TENNIS.point_display(score_of(event))


def point(event, side: str, times: int = 1):
    for _ in range(times):
        event = services.record_score(event=event, side=side)
    return event


def game(event, side: str):
    return point(event, side, 4)


def test_it_counts_deuce_and_advantage(make_event) -> None:
    event = make_event("tennis", live=True)
    assert event.period == "S1" and event.state["server"] == "home"
    event = point(event, "home", 3)
    event = point(event, "away", 3)
    assert display(event) == ("40", "40")
    event = point(event, "home")
    assert display(event) == ("AD", "40")
    event = point(event, "away")
    assert display(event) == ("40", "40")
    event = point(event, "away")
    assert display(event) == ("40", "AD")
    event = point(event, "away")

    assert event.period_scores == [{"period": "S1", "home": 0, "away": 1}]
    assert display(event) == ("0", "0")
    assert event.state["server"] == "away"  # serve passes after each game


def test_it_plays_a_tie_break_at_six_all_and_rotates_the_server(make_event) -> None:
    event = make_event("tennis", live=True)
    for _ in range(6):
        event = game(event, "home")
        event = game(event, "away")
    assert event.state["tiebreak"] is True
    first = event.state["server"]
    other = "away" if first == "home" else "home"

    # Serve changes after the first point, then every two points.
    servers = [event.state["server"]]
    for side in ("home", "away", "home", "away", "home", "away"):
        event = point(event, side)
        servers.append(event.state["server"])
    assert servers == [first, other, other, first, first, other, other]
    assert display(event) == ("3", "3")

    event = point(event, "home", 4)  # 7-3 in the tie-break

    assert event.period_scores[0] == {"period": "S1", "home": 7, "away": 6}
    assert (event.home_score, event.away_score, event.period) == (1, 0, "S2")
    assert event.state["tiebreak"] is False
    assert event.state["server"] == other  # the tie-break's first receiver serves next


def test_it_ends_the_match_after_two_sets_of_three(make_event) -> None:
    event = make_event("tennis", live=True, best_of=3)
    for _ in range(12):
        event = game(event, "away")
    assert (event.status, event.winner) == (Status.FINISHED, "away")
    assert (event.home_score, event.away_score) == (0, 2)
    assert [row["away"] for row in event.period_scores] == [6, 6]
    assert event.clock_running is False
    with pytest.raises(InvalidChange, match="only be recorded while an event is live"):
        point(event, "home")
