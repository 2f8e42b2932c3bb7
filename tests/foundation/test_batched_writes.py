"""Batched writes (services/batch.py): the same service calls, one flush per batch.

A batch must leave exactly what the same calls made one by one leave (event, timeline,
change log), cost a fixed number of statements whatever its size, and undo a refused
call without a trace.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from scoreboard import services
from scoreboard.errors import DomainError
from scoreboard.models import Change, Event, Incident, IncidentKind, Status
from scoreboard.services import batch
from scoreboard.services.batch import batched_writes

pytestmark = pytest.mark.django_db(transaction=True)


def play(event_id: int) -> None:
    """A stretch of a match: goals, a card, a goal ruled out, half time, a correction."""
    services.record_score(event=event_id, side="home", player="Saka", minute=12)
    services.add_incident(event=event_id, kind=IncidentKind.YELLOW_CARD, side="away", minute=20)
    services.record_score(event=event_id, side="away", player="Son", minute=31)
    services.remove_incident(incident=last_incident(event_id), reason="offside")
    services.record_score(event=event_id, side="away", player="Son", minute=33)
    services.change_status(event=event_id, status=Status.BREAK)
    services.change_status(event=event_id, status=Status.LIVE)
    services.set_score(event=event_id, home=2, away=1, reason="late correction")


def last_incident(event_id: int) -> int:
    """The incident of the event's latest change, staged (batch) or written."""
    uow = batch.current()
    change = uow.changes[-1] if uow else Change.objects.filter(event_id=event_id).latest("id")
    return change.payload["data"]["incident"]["id"]


def timeline(event: Event) -> list[tuple[Any, ...]]:
    return list(
        Incident.objects.filter(event=event)
        .order_by("id")
        .values_list("kind", "period", "minute", "side", "player", "points", "cancelled")
    )


def log(event: Event) -> list[tuple[Any, ...]]:
    rows = Change.objects.filter(event=event).order_by("id")
    return [(c.version, c.kind, _without_ids(c.payload["data"])) for c in rows]


def _without_ids(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _without_ids(v) for k, v in data.items() if k != "id"}
    return data


def state(event: Event) -> tuple[Any, ...]:
    event.refresh_from_db()
    return (event.status, event.period, event.home_score, event.away_score,
            event.period_scores, event.version)  # fmt: skip


def test_it_writes_what_the_same_calls_write_one_by_one(
    make_event: Callable[..., Event],
) -> None:
    one_by_one, batched = make_event(live=True), make_event(live=True)
    play(one_by_one.pk)
    with transaction.atomic(), batched_writes():
        play(batched.pk)
    assert state(batched) == state(one_by_one)
    assert timeline(batched) == timeline(one_by_one)
    assert log(batched) == log(one_by_one)
    # Versions grow by one per change; the change log's ids keep the calls' order.
    versions = list(Change.objects.filter(event=batched).order_by("id").values_list("version"))
    assert [v for (v,) in versions] == list(range(1, len(versions) + 1))


def test_a_change_names_the_incident_it_created(make_event: Callable[..., Event]) -> None:
    event = make_event(live=True)
    with transaction.atomic(), batched_writes():
        services.record_score(event=event.pk, side="home", player="Saka")
        services.add_incident(event=event.pk, kind=IncidentKind.YELLOW_CARD, side="away")
    named = [
        c.payload["data"]["incident"] for c in Change.objects.filter(event=event, version__gt=2)
    ]
    for incident in named:
        row = Incident.objects.get(pk=incident["id"])
        assert (row.kind, row.player) == (incident["kind"], incident["player"])


def test_it_removes_an_incident_created_in_the_same_batch(make_event: Callable[..., Event]) -> None:
    event = make_event(live=True)
    with transaction.atomic(), batched_writes() as uow:
        services.record_score(event=event.pk, side="home", player="Saka")
        goal = uow.changes[-1].payload["data"]["incident"]["id"]
        services.remove_incident(incident=goal, reason="offside")
    event.refresh_from_db()
    assert (event.home_score, event.away_score) == (0, 0)
    assert Incident.objects.get(pk=goal).cancelled


def test_a_refused_call_is_undone_without_a_trace(make_event: Callable[..., Event]) -> None:
    event = make_event(live=True)
    before = state(event)
    with transaction.atomic(), batched_writes() as uow:
        locked = uow.event(event.pk)
        mark = uow.checkpoint(locked)
        services.record_score(event=event.pk, side="home", player="Saka")
        with pytest.raises(DomainError):
            services.set_score(event=event.pk, home=1, away=0, reason="")  # needs a reason
        uow.rollback(mark)
        services.add_incident(event=event.pk, kind=IncidentKind.YELLOW_CARD, side="away")
    after = state(event)
    assert after[:5] == before[:5]  # the goal went with the refused call
    assert after[5] == before[5] + 1  # only the card
    assert [k for (k,) in Incident.objects.filter(event=event).values_list("kind")] == [
        IncidentKind.PERIOD_START,
        IncidentKind.YELLOW_CARD,
    ]


def test_its_statements_do_not_grow_with_the_batch(make_event: Callable[..., Event]) -> None:
    events = [make_event("basketball", live=True) for _ in range(3)]

    def statements(calls: int) -> int:
        with CaptureQueriesContext(connection) as queries, transaction.atomic(), batched_writes():
            for n in range(calls):
                services.record_score(event=events[n % 3].pk, side="home", points=2)
        return len(queries)

    assert statements(30) == statements(3)
