"""What an ingest transaction reads before it applies anything: one round trip.

For the provider's match ids of a batch: the events, locked in id order (every writer
locks events in that order, so two batches cannot deadlock on each other) with their
competition, sport and teams; their feed state; the staff's field locks; and which of
the batch's message ids are processed already; on PostgreSQL also ids for the batch's
new incidents. The statements go out together (`sql.pipelined()`); the event locks are
taken by the first, so the others read what the lock holders committed, and the ids are
reserved under those locks. Only ingestion writes feed state, always under them.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass

from django.db import connection

from scoreboard.models import Competition, Event, Incident, ProviderMapping, Sport, Team
from scoreboard.services.batch import RESERVE_INCIDENT_IDS
from scoreboard.sql import Columns, cursor, pipelined, placeholders, quote

from .models import FeedEventState, FieldLock, ProcessedMessage


@dataclass
class BatchReads:
    events: dict[str, Event]  # provider match id -> our event, locked
    states: dict[int, FeedEventState]  # event id -> feed state (new and unsaved if none yet)
    locks: dict[int, dict[str, FieldLock]]  # event id -> field -> lock
    processed: set[str]  # message ids already recorded
    incident_ids: list[int]  # reserved for new incidents (PostgreSQL)


def read_batch(
    provider: str, matches: Collection[str], message_ids: Collection[str], *, incident_ids: int
) -> BatchReads:
    """Lock and read what applying the provider's messages needs (see the module doc),
    and reserve `incident_ids` ids for new incidents where the database deals them out."""
    s = _statements()
    mapped = (provider, ProviderMapping.Kind.EVENT, *matches)
    in_matches = placeholders(len(matches))
    if connection.vendor != "postgresql":
        incident_ids = 0
    with pipelined():
        cursors = [cursor() for _ in range(5 if incident_ids else 4)]
        try:
            cursors[0].execute(s.events.format(matches=in_matches), mapped)
            cursors[1].execute(s.states.format(matches=in_matches), mapped)
            cursors[2].execute(s.locks.format(matches=in_matches), mapped)
            cursors[3].execute(
                s.processed.format(ids=placeholders(len(message_ids))), (provider, *message_ids)
            )
            if incident_ids:
                cursors[4].execute(RESERVE_INCIDENT_IDS, (Incident._meta.db_table, incident_ids))
            rows = [each.fetchall() for each in cursors]
        finally:
            for each in cursors:
                each.close()

    reads = BatchReads(
        events={},
        states={},
        locks=defaultdict(dict),
        processed={message_id for (message_id,) in rows[3]},
        incident_ids=[pk for (pk,) in rows[4]] if incident_ids else [],
    )
    by_pk: dict[int, Event] = {}
    for match, *values in rows[0]:
        built = []
        for columns in (s.event, *s.related):
            built.append(columns.build(values[: len(columns)]))
            values = values[len(columns) :]
        event, competition, sport, home, away = built
        if event.pk not in by_pk:  # two match ids may name one event: one instance
            competition.sport = sport
            event.competition, event.home, event.away = competition, home, away
            by_pk[event.pk] = event
        reads.events[match] = by_pk[event.pk]
    for values in rows[1]:
        state = s.state.build(values)
        reads.states[state.event_id] = state
    for pk in by_pk.keys() - reads.states.keys():
        reads.states[pk] = FeedEventState(event_id=pk)
    for values in rows[2]:
        lock = s.lock.build(values)
        reads.locks[lock.event_id][lock.field] = lock
    return reads


@dataclass(frozen=True)
class _Statements:
    event: Columns
    related: tuple[Columns, ...]  # competition, sport, home, away
    state: Columns
    lock: Columns
    events: str
    states: str
    locks: str
    processed: str


@functools.cache
def _statements() -> _Statements:
    """The SQL, built once per process from the models' metadata."""
    table = {model: quote(model._meta.db_table) for model in (
        Event, Competition, Sport, Team, ProviderMapping, FeedEventState, FieldLock,
        ProcessedMessage)}  # fmt: skip
    event, competition, sport = Columns(Event, "e"), Columns(Competition, "c"), Columns(Sport, "s")
    home, away = Columns(Team, "h"), Columns(Team, "a")
    state, lock = Columns(FeedEventState, "st"), Columns(FieldLock, "l")
    mapped = (  # the batch's event ids; `{matches}` is filled in per batch
        f"SELECT m.object_id FROM {table[ProviderMapping]} m WHERE m.provider = %s"
        " AND m.kind = %s AND m.provider_id IN ({matches})"
    )
    lock_rows = " FOR UPDATE OF e" if connection.features.has_select_for_update_of else ""

    return _Statements(
        event=event,
        related=(competition, sport, home, away),
        state=state,
        lock=lock,
        events=(
            f"SELECT m.provider_id, {event.sql}, {competition.sql}, {sport.sql}, {home.sql},"
            f" {away.sql} FROM {table[ProviderMapping]} m"
            f" JOIN {table[Event]} e ON e.id = m.object_id"
            f" JOIN {table[Competition]} c ON c.id = e.competition_id"
            f" JOIN {table[Sport]} s ON s.id = c.sport_id"
            f" JOIN {table[Team]} h ON h.id = e.home_id"
            f" JOIN {table[Team]} a ON a.id = e.away_id"
            " WHERE m.provider = %s AND m.kind = %s AND m.provider_id IN ({matches})"
            f" ORDER BY e.id{lock_rows}"
        ),
        states=(
            f"SELECT {state.sql} FROM {table[FeedEventState]} st WHERE st.event_id IN ({mapped})"
        ),
        locks=f"SELECT {lock.sql} FROM {table[FieldLock]} l WHERE l.event_id IN ({mapped})",
        processed=(
            f"SELECT message_id FROM {table[ProcessedMessage]}"
            " WHERE provider = %s AND message_id IN ({ids})"
        ),
    )
