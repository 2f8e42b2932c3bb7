"""Appending to the change log (the transactional outbox) and publishing after commit."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.utils import timezone

from scoreboard.models import Change, Event, Source

logger = logging.getLogger(__name__)

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


def append_change(*, event: Event | None, kind: str, data: dict[str, Any], actor: Actor) -> Change:
    """Append one change in the caller's transaction; publish it once that commits.

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
    payload = {"kind": kind, "data": data}
    if event is not None:
        payload["event"] = event_snapshot(event)
    if actor.received_at is not None:
        payload["received_at"] = actor.received_at
    change = Change.objects.create(
        event=event,
        kind=kind,
        version=event.version if event is not None else 0,
        payload=payload,
        source=actor.source,
        source_detail=actor.detail[:60],
        user=actor.user if actor.user is not None and actor.user.is_authenticated else None,
        created_at=timezone.now(),
    )
    # robust: a failed publish must not undo or fail the write; the relay re-publishes.
    transaction.on_commit(partial(_publish, change.pk), robust=True)
    return change


def _publish(change_id: int) -> None:
    from scoreboard.live.publisher import publish_change

    publish_change(change_id)
