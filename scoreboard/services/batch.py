"""Batched writes: many service calls in one transaction, written with a few statements.

Ingestion applies dozens of feed messages per transaction. Called one by one, each
service call locks its event, saves it, inserts an incident and a change row and opens
a savepoint: ~8 round trips per call. Inside `batched_writes()` the same service
functions (one implementation of the rules) work on rows held in memory instead:

- events are locked once (`lock_events`, id order) and reused by every call;
- a change bumps the event's version and is staged with its snapshot taken then;
- new incidents get ids reserved from their sequence, so a change can name its
  incident before the row is written;
- `flush()` writes everything at the end: incidents, events, then the change log under
  its advisory lock (docs/ARCHITECTURE.md, "The path of one update"), in one statement
  each (`scoreboard.sql`), fetching nothing but the change ids: inside `sql.pipelined()`
  that is one round trip.

Outside `batched_writes()` nothing changes: each call is its own atomic write.
`checkpoint()` / `rollback()` undo a refused call in memory (the batch's stand-in for a
savepoint). On SQLite (embedded mode) incidents are inserted at once: no sequence.
"""

from __future__ import annotations

import contextlib
import copy
import functools
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from django.db import connection, transaction

from scoreboard.models import Change, Event, Incident
from scoreboard.sql import insert_rows, update_rows

P = ParamSpec("P")
R = TypeVar("R")

EVENT_FIELDS = [
    f.attname for f in Event._meta.concrete_fields if not f.primary_key and f.attname != "id"
]
INCIDENT_FIELDS = ["cancelled", "cancel_reason", "player", "minute", "added_time", "detail"]
ID_BLOCK = 64  # incident ids reserved per sequence round trip
# Ids reserved under the events' locks, so one event's incidents get ids in the order
# they were made (an unused id is only a gap).
RESERVE_INCIDENT_IDS = (
    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)"
)

_current: ContextVar[UnitOfWork | None] = ContextVar("scoreline_batch", default=None)


@dataclass
class Mark:
    """What `rollback` restores: staged counts and the event's fields as they were."""

    changes: int
    new_incidents: int
    dirty_incidents: frozenset[int]
    undo: int
    event: Event
    fields: dict[str, Any]


class UnitOfWork:
    def __init__(self) -> None:
        self.events: dict[int, Event] = {}
        self.dirty_events: dict[int, Event] = {}
        self.new_incidents: dict[int, Incident] = {}
        self.dirty_incidents: dict[int, Incident] = {}
        self.changes: list[Change] = []
        self.deferred = connection.vendor == "postgresql"
        self._ids: list[int] = []
        # (incident, fields before, pk) per update_incident, for rollback
        self._undo: list[tuple[Incident, dict[str, Any], int]] = []

    # --- rows -------------------------------------------------------------------------

    def lock_events(self, ids: Iterable[int]) -> dict[int, Event]:
        """Lock the events not held yet, in id order (every writer locks in that order)."""
        missing = sorted(set(ids) - self.events.keys())
        if missing:
            for event in (
                Event.objects.select_for_update(of=("self",))
                .select_related("competition__sport", "home", "away")
                .filter(pk__in=missing)
                .order_by("pk")
            ):
                self.events[event.pk] = event
        return {pk: self.events[pk] for pk in ids if pk in self.events}

    def hold(self, events: Iterable[Event], incident_ids: Iterable[int] = ()) -> None:
        """Take events the caller has locked itself (in id order, as `lock_events` does),
        and incident ids it reserved since (`RESERVE_INCIDENT_IDS`)."""
        self.events.update((event.pk, event) for event in events)
        self._ids = sorted(incident_ids, reverse=True) + self._ids

    def event(self, pk: int) -> Event:
        found = self.lock_events([pk]).get(pk)
        if found is None:
            raise Event.DoesNotExist(f"event {pk} does not exist")
        return found

    def create_incident(self, fields: dict[str, Any]) -> Incident:
        if not self.deferred:
            return Incident.objects.create(**fields)
        if not self._ids:
            with connection.cursor() as cursor:
                cursor.execute(RESERVE_INCIDENT_IDS, [Incident._meta.db_table, ID_BLOCK])
                self._ids = [row[0] for row in reversed(cursor.fetchall())]
        incident = Incident(pk=self._ids.pop(), **fields)
        self.new_incidents[incident.pk] = incident
        return incident

    def incident(self, pk: int) -> Incident:
        found = self.new_incidents.get(pk) or self.dirty_incidents.get(pk)
        return found if found is not None else Incident.objects.get(pk=pk)

    def update_incident(self, incident: Incident, fields: dict[str, Any]) -> None:
        self._undo.append((incident, _fields(incident, list(fields)), incident.pk))
        _restore(incident, fields)
        if incident.pk not in self.new_incidents:
            self.dirty_incidents[incident.pk] = incident

    def stage_change(self, event: Event, change: Change) -> Change:
        self.dirty_events[event.pk] = event
        self.changes.append(change)
        return change

    # --- undo -------------------------------------------------------------------------

    def checkpoint(self, event: Event) -> Mark:
        return Mark(
            changes=len(self.changes),
            new_incidents=len(self.new_incidents),
            dirty_incidents=frozenset(self.dirty_incidents),
            undo=len(self._undo),
            event=event,
            fields=_fields(event, EVENT_FIELDS),
        )

    def rollback(self, mark: Mark) -> None:
        """Undo the calls on `mark.event` since the mark (they raised): none is written."""
        del self.changes[mark.changes :]
        for incident, fields, _ in reversed(self._undo[mark.undo :]):
            _restore(incident, fields)
        del self._undo[mark.undo :]
        for pk in list(self.new_incidents)[mark.new_incidents :]:
            del self.new_incidents[pk]
        for pk in set(self.dirty_incidents) - mark.dirty_incidents:
            del self.dirty_incidents[pk]
        _restore(mark.event, mark.fields)

    # --- write ------------------------------------------------------------------------

    def flush(self) -> list[Change]:
        """Write what the batch staged; returns the appended changes (ids assigned)."""
        from .changelog import append_changes

        insert_rows(Incident, list(self.new_incidents.values()))
        update_rows(Incident, list(self.dirty_incidents.values()), INCIDENT_FIELDS)
        update_rows(Event, list(self.dirty_events.values()), EVENT_FIELDS)
        changes = append_changes(self.changes, batched=True) if self.changes else []
        self.new_incidents, self.dirty_incidents = {}, {}
        self.dirty_events, self.changes, self._undo = {}, [], []
        return changes


def _fields(row: Any, names: list[str]) -> dict[str, Any]:
    # Only containers (JSON fields) can be changed in place; the rest are immutable.
    values = {name: getattr(row, name) for name in names}
    return {
        name: copy.deepcopy(value) if isinstance(value, list | dict) else value
        for name, value in values.items()
    }


def _restore(row: Any, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        setattr(row, name, value)


def current() -> UnitOfWork | None:
    return _current.get()


@contextlib.contextmanager
def batched_writes() -> Iterator[UnitOfWork]:
    """Run service calls against one unit of work; flush before the block's commit.

    Must be entered inside `transaction.atomic()`; the caller flushes (or the block does
    on a clean exit) so the writes land in that transaction.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("batched_writes must run inside transaction.atomic()")
    uow = UnitOfWork()
    token = _current.set(uow)
    try:
        yield uow
        uow.flush()
    finally:
        _current.reset(token)


def create_incident(**fields: Any) -> Incident:
    uow = _current.get()
    return Incident.objects.create(**fields) if uow is None else uow.create_incident(fields)


def get_incident(pk: int) -> Incident:
    uow = _current.get()
    return Incident.objects.get(pk=pk) if uow is None else uow.incident(pk)


def update_incident(incident: Incident, **fields: Any) -> None:
    uow = _current.get()
    if uow is None:
        _restore(incident, fields)
        incident.save(update_fields=list(fields))
    else:
        uow.update_incident(incident, fields)


def write(func: Callable[P, R]) -> Callable[P, R]:
    """A service's transaction: atomic on its own, or part of the current batch."""
    atomic = transaction.atomic(func)

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if _current.get() is not None:
            return func(*args, **kwargs)  # the batch's transaction; rollback() undoes
        return atomic(*args, **kwargs)

    return wrapper
