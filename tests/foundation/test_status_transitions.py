"""The status state machine, exercised through `change_status` (every entry point's path)."""

from __future__ import annotations

import pytest

from scoreboard import services
from scoreboard.errors import IllegalTransition, InvalidChange
from scoreboard.models import Change, Status
from scoreboard.status import TRANSITIONS

S = Status
# The table the product promises; `TRANSITIONS` must match it exactly.
EXPECTED = {
    S.SCHEDULED: {S.LIVE, S.POSTPONED, S.CANCELLED},
    S.LIVE: {S.BREAK, S.FINISHED, S.SUSPENDED, S.ABANDONED},
    S.BREAK: {S.LIVE, S.FINISHED, S.SUSPENDED, S.ABANDONED},
    S.SUSPENDED: {S.LIVE, S.ABANDONED},
    S.POSTPONED: {S.SCHEDULED, S.CANCELLED},
    S.FINISHED: set(),
    S.CANCELLED: set(),
    S.ABANDONED: set(),
}
# How to bring a new (scheduled) event into each status.
PATH_TO = {
    S.SCHEDULED: [],
    S.LIVE: [S.LIVE],
    S.BREAK: [S.LIVE, S.BREAK],
    S.SUSPENDED: [S.LIVE, S.SUSPENDED],
    S.POSTPONED: [S.POSTPONED],
    S.FINISHED: [S.LIVE, S.FINISHED],
    S.CANCELLED: [S.CANCELLED],
    S.ABANDONED: [S.LIVE, S.ABANDONED],
}
LEGAL = sorted((a, b) for a, targets in EXPECTED.items() for b in targets)
ILLEGAL = sorted((a, b) for a in EXPECTED for b in EXPECTED if b not in EXPECTED[a])


def event_in(make_event, status: str):
    event = make_event("football")
    for step in PATH_TO[status]:
        event = services.change_status(event=event, status=step)
    assert event.status == status
    return event


def test_it_has_exactly_the_documented_transitions() -> None:
    assert {k: set(v) for k, v in TRANSITIONS.items()} == EXPECTED
    assert len(LEGAL) == 15


@pytest.mark.parametrize(("current", "target"), LEGAL)
def test_it_allows_each_legal_transition(make_event, current: str, target: str) -> None:
    event = event_in(make_event, current)
    before = event.version

    event = services.change_status(event=event, status=target)

    assert event.status == target
    assert event.version == before + 1
    change = Change.objects.filter(event=event).latest("id")
    assert (change.kind, change.version) == ("status", before + 1)
    assert change.payload["data"]["from"]["status"] == current
    assert change.payload["data"]["to"]["status"] == target
    assert change.payload["event"]["status"] == target


@pytest.mark.parametrize(("current", "target"), ILLEGAL)
def test_it_refuses_each_illegal_transition_and_writes_nothing(
    make_event, current: str, target: str
) -> None:
    event = event_in(make_event, current)
    version_before, changes_before = event.version, Change.objects.count()

    with pytest.raises(IllegalTransition) as refused:
        services.change_status(event=event, status=target)

    message = str(refused.value)
    assert f"cannot change status from {S(current).label} to {S(target).label}" in message
    assert "allowed:" in message
    event.refresh_from_db()
    assert (event.status, event.version) == (current, version_before)
    assert Change.objects.count() == changes_before


def test_it_refuses_an_unknown_status(make_event) -> None:
    event = make_event("football")
    with pytest.raises(IllegalTransition, match="unknown status 'halftime'"):
        services.change_status(event=event, status="halftime")


def test_it_only_starts_an_event_in_its_first_period(make_event) -> None:
    event = make_event("football")
    with pytest.raises(InvalidChange, match="an event starts in 1H"):
        services.change_status(event=event, status=S.LIVE, period="2H")
    event.refresh_from_db()
    assert (event.status, event.version) == (S.SCHEDULED, 1)


def test_it_stops_and_restarts_the_clock_with_breaks(make_event) -> None:
    event = make_event("football", live=True)
    assert (event.period, event.clock_running) == ("1H", True)
    event = services.change_status(event=event, status=S.BREAK)
    assert (event.period, event.clock_running) == ("1H", False)
    event = services.change_status(event=event, status=S.LIVE)
    assert (event.period, event.clock_running, event.clock_elapsed) == ("2H", True, 0)
