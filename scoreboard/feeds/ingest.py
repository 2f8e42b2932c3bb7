"""Apply a batch of provider messages: idempotent, ordered, one short transaction.

The batch's events are locked first, in id order, together with everything else it
reads, in one round trip (reads.py). Every ingest transaction locks in the same order,
so two batches cannot deadlock on each other; a deadlock with another writer is
retried. Then, per event in upstream order, each message is either a repeat (no-op),
older than what was applied (dropped, counted), covered by a higher-priority provider
(skipped), or applied through the service layer. Its id is recorded under a unique
constraint in the same transaction, so a redelivered batch applies nothing twice.
The service calls run in one unit of work (services/batch.py): the rules are the
services' own, but the batch's rows are written once at the end, a few statements per
batch instead of several per message, sent together (`sql.pipelined()`). A message the
rules refuse is undone alone (in memory) and quarantined: nothing behind it waits.
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import time
from collections import Counter as Tally
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone

from scoreboard import services
from scoreboard.errors import DomainError
from scoreboard.models import Event, Source
from scoreboard.services import Actor
from scoreboard.services.batch import UnitOfWork, batched_writes
from scoreboard.sql import insert_rows, pipelined

from . import metrics
from .adapters import adapter_for_name
from .messages import FeedMessage, MalformedMessage, clock_skew_error
from .models import (
    CompetitionProvider,
    FeedEventState,
    FieldLock,
    Outcome,
    ProcessedMessage,
    QuarantinedMessage,
)
from .planner import EventView, locked_differences, next_command
from .reads import BatchReads, read_batch

logger = logging.getLogger(__name__)

# A message that needs more service calls than this (a whole tennis match is ~250
# points) is not converging: quarantine it rather than loop.
MAX_STEPS_PER_MESSAGE = 1500
DEADLOCK_ATTEMPTS = 4
CHUNK = 200  # messages per transaction


_SERVICES = {
    "change_status": services.change_status,
    "set_clock": services.set_clock,
    "record_score": services.record_score,
    "set_score": services.set_score,
    "add_incident": services.add_incident,
    "remove_incident": services.remove_incident,
}


@dataclass
class BatchResult:
    outcomes: Tally = field(default_factory=Tally)
    changes: int = 0

    def __getitem__(self, outcome: str) -> int:
        return self.outcomes[outcome]

    def merge(self, other: BatchResult) -> None:
        self.outcomes.update(other.outcomes)
        self.changes += other.changes


def quarantine(
    *, provider: str, raw: Any, reason: str, received_at: float | None = None
) -> QuarantinedMessage:
    text = _storable(raw)
    metrics.QUARANTINED.labels(provider).inc()
    return QuarantinedMessage.objects.create(
        provider=provider,
        raw=text,
        reason=reason[:300],
        received_at=_aware(received_at) if received_at else timezone.now(),
    )


def _storable(raw: Any) -> str:
    """The raw message as text PostgreSQL accepts (no NUL, no lone surrogate)."""
    if isinstance(raw, str):
        return raw.replace("\x00", "\\u0000").encode("utf-8", "backslashreplace").decode()
    try:
        return json.dumps(raw, default=str)
    except (ValueError, RecursionError):  # circular or too deep to write out
        return repr(raw)[:10_000]


def _aware(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, tz=UTC)


def _is_deadlock(exc: OperationalError) -> bool:
    cause = exc.__cause__
    return getattr(cause, "sqlstate", None) in ("40P01", "40001")


class Received(NamedTuple):
    """A parsed message, its raw form (for the quarantine) and when we received it."""

    message: FeedMessage
    raw: Any
    received_at: float


def ingest_batch(*, provider: str, raw_messages: list[Any], received_at: float) -> BatchResult:
    """Parse, then apply one received batch (see `ingest_batches`)."""
    return ingest_batches(provider=provider, batches=[(raw_messages, received_at)])


def ingest_batches(*, provider: str, batches: Sequence[tuple[Sequence[Any], float]]) -> BatchResult:
    """Parse, then apply a provider's batches, each with its receipt time, together.

    The worker hands over every batch waiting in its queue at once (tasks.py), so a
    burst of one-message pushes costs one transaction, not one each.
    """
    adapter = adapter_for_name(provider)
    result = BatchResult()
    parsed: list[Received] = []
    seen: set[str] = set()
    past, future = settings.FEED_MAX_MESSAGE_AGE_SECONDS, settings.FEED_MAX_CLOCK_SKEW_SECONDS
    for raw_messages, received_at in batches:
        for raw in raw_messages:
            try:
                message = adapter.parse(raw)
            except MalformedMessage as exc:
                quarantine(
                    provider=provider, raw=raw, reason=f"malformed: {exc}", received_at=received_at
                )
                result.outcomes["malformed"] += 1
                continue
            except Exception as exc:  # a parser bug: this message alone goes to a human
                logger.exception("parsing a %s message failed", provider)
                quarantine(
                    provider=provider,
                    raw=raw,
                    reason=f"malformed: unreadable ({type(exc).__name__})",
                    received_at=received_at,
                )
                result.outcomes["malformed"] += 1
                continue
            skew = clock_skew_error(message.ts, received_at, past=past, future=future)
            if skew is not None:
                quarantine(
                    provider=provider, raw=raw, reason=f"refused: {skew}", received_at=received_at
                )
                result.outcomes["out_of_window"] += 1
                continue
            if message.message_id in seen:
                result.outcomes["duplicate"] += 1
                continue
            seen.add(message.message_id)
            parsed.append(Received(message, raw, received_at))
    # Large batches commit in chunks: locks stay short, and a redelivery after a crash
    # finds the committed chunks already recorded.
    for start in range(0, len(parsed), CHUNK):
        _apply_isolated(provider, parsed[start : start + CHUNK], result)
    for outcome, count in result.outcomes.items():
        metrics.MESSAGES.labels(provider, outcome).inc(count)
    return result


def _apply_isolated(provider: str, chunk: list[Received], result: BatchResult) -> None:
    """Apply a chunk in one transaction; if it fails for a reason that is not transient,
    apply its messages one by one, so the one that fails is quarantined alone.

    Transient errors (the database unreachable, a lock or statement timeout) are raised:
    the task retries the whole batch later (tasks.py).
    """
    try:
        result.merge(_apply_chunk(provider, chunk))
    except (OperationalError, InterfaceError):
        raise
    except Exception as exc:
        if len(chunk) > 1:
            logger.warning("ingest of %s failed (%r): applying one by one", provider, exc)
            for item in chunk:
                _apply_isolated(provider, [item], result)
            return
        logger.exception("a %s message failed to apply", provider)
        item = chunk[0]
        quarantine(
            provider=provider,
            raw=item.raw,
            reason=f"failed: {type(exc).__name__}: {exc}",
            received_at=item.received_at,
        )
        result.outcomes["failed"] += 1


def _apply_chunk(provider: str, chunk: list[Received]) -> BatchResult:
    for attempt in range(DEADLOCK_ATTEMPTS):
        partial = BatchResult()
        try:
            with transaction.atomic():
                _apply(provider, chunk, partial)
            return partial
        except OperationalError as exc:
            if not _is_deadlock(exc) or attempt == DEADLOCK_ATTEMPTS - 1:
                raise
            logger.warning("ingest deadlock for %s, retrying", provider)
            time.sleep(random.uniform(0.005, 0.05) * (attempt + 1))
    raise AssertionError("unreachable")


def _apply(provider: str, parsed: list[Received], result: BatchResult) -> None:
    reads = read_batch(
        provider,
        {item.message.match for item in parsed},
        [item.message.message_id for item in parsed],
        incident_ids=len(parsed),  # most messages bring at most one; more cost a round trip
    )
    by_event: dict[int, list[Received]] = defaultdict(list)
    for item in parsed:
        event = reads.events.get(item.message.match)
        if event is None:
            quarantine(
                provider=provider,
                raw=item.raw,
                reason=f"unknown match {item.message.match!r} (no event mapping)",
                received_at=item.received_at,
            )
            result.outcomes["unmapped"] += 1
            continue
        by_event[event.pk].append(item)
    if not by_event:
        return

    with batched_writes() as uow:  # the service calls below write when the block ends
        uow.hold(reads.events.values(), reads.incident_ids)
        _apply_events(provider, by_event, reads, result, uow)


def _apply_events(
    provider: str,
    by_event: dict[int, list[Received]],
    reads: BatchReads,
    result: BatchResult,
    uow: UnitOfWork,
) -> None:
    event_ids = sorted(by_event)
    events, states, processed = uow.events, reads.states, reads.processed
    priorities = _priorities({events[pk].competition_id for pk in event_ids})

    now = time.time()
    silent_after = settings.FEED_SILENT_AFTER_SECONDS
    rows: list[ProcessedMessage] = []
    applied: list[tuple[float, float]] = []  # (received, upstream) of applied messages
    skips: Tally = Tally()
    for event_id in event_ids:
        event = events[event_id]
        state = states[event_id]
        mine = state.providers.setdefault(provider, {"seq": -1, "at": 0.0})
        higher = [
            name
            for prio, name in priorities.get(event.competition_id, [])
            if prio > _priority_of(priorities.get(event.competition_id, []), provider)
        ]
        for message, raw, received_at in sorted(
            by_event[event_id], key=lambda item: (item.message.seq, item.message.ts)
        ):
            if message.message_id in processed:
                result.outcomes["duplicate"] += 1
                continue
            mine["at"] = max(mine["at"], received_at)
            if message.seq <= mine["seq"] or message.ts < state.last_upstream_at:
                outcome, changes = Outcome.STALE, 0
            elif any(
                now - state.providers.get(name, {}).get("at", 0.0) < silent_after for name in higher
            ):
                outcome, changes = Outcome.SUPERSEDED, 0
                mine["seq"] = message.seq
            else:
                # The receipt time rides in the change payload: latency is measured from
                # the feed.
                actor = Actor(
                    source=Source.FEED,
                    detail=provider,
                    received_at=received_at,
                    upstream_at=message.ts,
                )
                outcome, changes = _apply_message(
                    uow, event, state, message, raw, provider, actor, reads.locks[event_id],
                    skips, received_at,
                )  # fmt: skip
                if outcome != Outcome.REJECTED:
                    mine["seq"] = message.seq
                    state.last_upstream_at = max(state.last_upstream_at, message.ts)
                if outcome == Outcome.APPLIED:
                    applied.append((received_at, message.ts))
            result.outcomes[outcome] += 1
            result.changes += changes
            rows.append(
                ProcessedMessage(
                    provider=provider,
                    message_id=message.message_id,
                    event_id=event_id,
                    seq=message.seq,
                    upstream_at=_aware(message.ts),
                    received_at=_aware(received_at),
                    outcome=outcome,
                    changes=changes,
                )
            )
        state.last_message_at = timezone.now()
    for (lock_pk, field_name), count in skips.items():  # rare: before the pipeline
        FieldLock.objects.filter(pk=lock_pk).update(skipped=F("skipped") + count)
        metrics.OVERRIDE_SKIPS.labels(provider, field_name).inc(count)
    with pipelined():  # one round trip: nothing is fetched but the new change ids
        insert_rows(ProcessedMessage, rows)
        insert_rows(FeedEventState, [states[pk] for pk in event_ids], update_on_conflict="event_id")
        uow.flush()
    transaction.on_commit(lambda: _after_commit(provider, applied))


# competition id -> ([(priority, provider)], read at): priorities change rarely (staff,
# in admin) and each batch would otherwise read them again.
_priority_cache: dict[int, tuple[list[tuple[int, str]], float]] = {}


def _priorities(competition_ids: set[int]) -> dict[int, list[tuple[int, str]]]:
    """Provider priorities per competition, read at most every FEED_PRIORITY_CACHE_SECONDS."""
    now = time.monotonic()
    ttl = settings.FEED_PRIORITY_CACHE_SECONDS
    table = {
        cid: _priority_cache[cid][0]
        for cid in competition_ids
        if cid in _priority_cache and now - _priority_cache[cid][1] < ttl
    }
    missing = competition_ids - table.keys()
    if missing:
        for cid in missing:
            table[cid] = []
        for competition_id, provider_id, priority in CompetitionProvider.objects.filter(
            competition_id__in=missing
        ).values_list("competition_id", "provider_id", "priority"):
            table[competition_id].append((priority, provider_id))
        if len(_priority_cache) > 10_000:  # bounded: competitions come and go
            _priority_cache.clear()
        _priority_cache.update({cid: (table[cid], now) for cid in missing})
    return table


def _priority_of(table: list[tuple[int, str]], provider: str) -> int:
    for priority, name in table:
        if name == provider:
            return priority
    return -1  # unlisted providers only fill in


def _view(event: Event, state: FeedEventState) -> EventView:
    return EventView(
        sport_kind=event.competition.sport.kind,
        status=event.status,
        period=event.period,
        home=event.home_score,
        away=event.away_score,
        clock_running=event.clock_running,
        clock_elapsed=services.clock_elapsed_now(event),
        applied=state.incidents,
        tennis_points=state.tennis_points,
    )


def _apply_message(
    uow: UnitOfWork,
    event: Event,
    state: FeedEventState,
    message: FeedMessage,
    raw: Any,
    provider: str,
    actor: Actor,
    locks: dict[str, FieldLock],
    skips: Tally,
    received_at: float,
) -> tuple[str, int]:
    locked = frozenset(locks)
    before = (dict(state.incidents), state.tennis_points)
    mark = uow.checkpoint(event)
    changes = 0
    try:
        # Nothing reaches the database before the batch's flush, except on SQLite, where
        # incidents are inserted at once: there a savepoint rolls them back.
        with contextlib.nullcontext() if uow.deferred else transaction.atomic():
            for field_name in locked_differences(_view(event, state), message, locked):
                skips[(locks[field_name].pk, field_name)] += 1
            for _ in range(MAX_STEPS_PER_MESSAGE):
                command = next_command(_view(event, state), message, locked)
                if command is None:
                    break
                _run(uow, event, state, command, actor)
                changes += 1
            else:
                raise DomainError("the message did not converge")
    except DomainError as exc:
        uow.rollback(mark)  # a refused message leaves no trace but its quarantine row
        state.incidents, state.tennis_points = before
        quarantine(
            provider=provider,
            raw=raw,
            reason=f"refused: {exc}",
            received_at=received_at,
        )
        return Outcome.REJECTED, 0
    return (Outcome.APPLIED if changes else Outcome.UNCHANGED), changes


def _run(uow: UnitOfWork, event: Event, state: FeedEventState, command: Any, actor: Actor) -> None:
    """One service call on the batch's in-memory event (the service locks nothing new)."""
    service = _SERVICES[command.service]
    if command.service == "remove_incident":
        service(actor=actor, **command.kwargs)
        state.incidents = {k: v for k, v in state.incidents.items() if k != command.incident_key}
    elif command.service == "add_incident":
        incident = service(event=event.pk, actor=actor, **command.kwargs)
        state.incidents = {**state.incidents, command.incident_key: incident.pk}
    elif command.tennis_point:
        service(event=event.pk, actor=actor, **command.kwargs)
        state.tennis_points += 1
    elif command.incident_key:  # a score: its incident is the change's
        service(event=event.pk, actor=actor, **command.kwargs)
        incident_id = uow.changes[-1].payload["data"]["incident"]["id"]
        state.incidents = {**state.incidents, command.incident_key: incident_id}
    else:
        service(event=event.pk, actor=actor, **command.kwargs)


def _after_commit(provider: str, applied: list[tuple[float, float]]) -> None:
    now = time.time()
    for received_at, upstream_at in applied:
        metrics.RECEIVE_TO_COMMIT.labels(provider).observe(now - received_at)
        metrics.UPSTREAM_LAG.labels(provider).observe(max(0.0, now - upstream_at))
    key = settings.FEED_LATENCY_LOG_KEY
    if key and applied:
        # Benchmarks read receive-to-commit latencies from here (off unless configured).
        from .redis_client import client

        client().rpush(
            key, *[f"{provider} {(now - received) * 1000:.3f}" for received, _ in applied]
        )
