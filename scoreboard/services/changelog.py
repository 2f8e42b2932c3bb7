"""Appending to the change log (the transactional outbox) and publishing after commit."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.dispatch import Signal
from django.utils import timezone

from scoreboard.models import Change, Event, Source
from scoreboard.sql import insert_rows

logger = logging.getLogger(__name__)

# Sent inside the writer's transaction with the appended rows (ids assigned), once per
# append: receivers see a batch as one call, not one per row.
changes_logged = Signal()

# Arbitrary constant naming the PostgreSQL advisory lock that orders change-log appends.
CHANGE_LOG_LOCK = 7_300_501


@dataclass(frozen=True)
class Actor:
    """Who or what made a change: shown in the audit trail."""

    source: str = Source.SYSTEM
    user: AbstractBaseUser | None = None
    detail: str = ""  # e.g. the feed provider's name
    # When the upstream message behind this change was received (epoch seconds), so
    # end-to-end latency is measured from the feed, not from the commit.
    received_at: float | None = None
    # The provider's own timestamp of that message (epoch seconds): the feed's side of
    # goal-to-glass, reported next to ours.
    upstream_at: float | None = None


SYSTEM = Actor()


def event_snapshot(event: Event) -> dict[str, Any]:
    """The JSON form of an event's live state, carried by every change."""
    return {
        "id": event.pk,
        "version": event.version,
        "status": event.status,
        "period": event.period,
        "home_score": event.home_score,
        "away_score": event.away_score,
        "period_scores": event.period_scores,
        "state": event.state,
        "winner": event.winner,
        "clock": {
            "running": event.clock_running,
            "elapsed": event.clock_elapsed,
            "anchor": event.clock_anchor.isoformat() if event.clock_anchor else None,
        },
        "kickoff": event.kickoff.isoformat(),
        "updated_at": event.updated_at.isoformat(),
    }


def new_change(*, event: Event | None, kind: str, data: dict[str, Any], actor: Actor) -> Change:
    """An unsaved change row: the event's snapshot is taken now, as the change is made."""
    payload = {"kind": kind, "data": data}
    if event is not None:
        payload["event"] = event_snapshot(event)
    if actor.received_at is not None:
        payload["received_at"] = actor.received_at
    if actor.upstream_at is not None:
        payload["upstream_at"] = actor.upstream_at
    return Change(
        event=event,
        kind=kind,
        version=event.version if event is not None else 0,
        payload=payload,
        source=actor.source,
        source_detail=actor.detail[:60],
        user=actor.user if actor.user is not None and actor.user.is_authenticated else None,
        created_at=timezone.now(),
    )


def append_change(*, event: Event | None, kind: str, data: dict[str, Any], actor: Actor) -> Change:
    """Append one change in the caller's transaction; publish it once that commits."""
    return append_changes([new_change(event=event, kind=kind, data=data, actor=actor)])[0]


def append_changes(changes: list[Change], *, batched: bool = False) -> list[Change]:
    """Append changes (one INSERT) in the caller's transaction; publish after commit.

    `batched` (a unit of work's flush): publishing goes through the outbox publisher
    where there is one (publisher.publish_changes).

    The advisory lock is held until commit, so sequence values become visible in the
    order they were taken: a reader of "after N" can never step past a value that may
    still commit. Callers append as the last step of their transaction to keep the
    lock short.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("append_change must run inside transaction.atomic()")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHANGE_LOG_LOCK])
    insert_rows(Change, changes, returning_pk=True)  # ids in order
    changes_logged.send(sender=Change, changes=changes)
    ids = [change.pk for change in changes]
    # robust: a failed publish must not undo or fail the write; the relay re-publishes.
    transaction.on_commit(partial(_publish, ids, batched), robust=True)
    return changes


def _publish(change_ids: list[int], batched: bool) -> None:
    from scoreboard.live.publisher import publish_changes

    # Now is when the transaction committed: the publisher measures from it.
    publish_changes(change_ids, batched=batched, committed_at=time.time())
