"""Publishing committed changes to viewers: the ONE place that publishes.

`publish_changes(ids)` runs after commit (fast path); `publish_pending(ids)` also serves
the relay (changes never confirmed published) and the outbox publisher process
(outbox.py: batches from ingestion). Per event it loads the event once, renders its
fragments ONCE for all of that event's changes in hand (coalesced: the message's
`covers_from` is the oldest version it supersedes), builds one message and hands it to
the backplane (bus.py: Redis pub/sub, or the in-process hub in embedded mode). An
event's detail is rendered only while some hub has viewers on its page (interest.py).

Only then is `published_at` set, so a crash in between leaves the change for the relay
(at-least-once; clients drop versions they already have).

Message (JSON over Redis; a dict in embedded mode):
    {"seq", "event_id", "version", "covers_from", "topics", "row", "detail", "cursor",
     "data",
     "ts": {"upstream", "received", "committed", "published"}}
    # ts: epoch seconds; upstream (the provider's clock) and received are null for staff edits
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.utils import timezone

from scoreboard import selectors
from scoreboard.live import bus, metrics
from scoreboard.live.fragments import render_cursor, render_event_fragments
from scoreboard.live.interest import watched_pages
from scoreboard.live.standings import TableRound
from scoreboard.live.timelines import attach_timelines
from scoreboard.live.topics import topics_for_event
from scoreboard.models import Change, Event

logger = logging.getLogger(__name__)

_test_drops = threading.local()


def _epoch(value: Any) -> float | None:
    """An ingestion timestamp (epoch seconds or ISO 8601) as epoch seconds."""
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return dt.datetime.fromisoformat(value).timestamp()
    return None


def received_at(payload: dict[str, Any]) -> float | None:
    """When ingestion received the upstream message, if it recorded it in the payload."""
    data = payload.get("data")
    found = payload.get("received_at")
    if found is None and isinstance(data, dict):
        found = data.get("received_at")
    return _epoch(found)


def build_group_message(
    changes: list[Change],
    event: Event | None = None,
    *,
    with_detail: bool = True,
    committed_at: float | None = None,
) -> dict[str, Any] | None:
    """One message for consecutive changes of one event (id order), rendered once.

    The fragments show the event as it is now, which supersedes every version the group
    carries: `covers_from` (and the cursor's `data-covers`) say so when there is more than
    one, so a browser that had the version before the first does not take the jump for a
    lost message. `event`: the event as `selectors.event_detail` reads it, if in hand.
    Without `with_detail` (nobody is on the event's page, interest.py) only the row is
    rendered and "detail" is empty.
    """
    last = changes[-1]
    if last.event_id is None:
        return None
    if event is None:
        event = selectors.event_detail(event_id=last.event_id)
    fragments = render_event_fragments(event, with_detail=with_detail)
    version = max(fragments.version, event.version, last.version)
    first = min(change.version for change in changes)
    covers = {event.pk: first} if first < version else None
    topics: list[str] = []
    for change in changes:  # `live` also for a change that took the event out of it
        for topic in topics_for_event(event, (change.payload or {}).get("data")):
            if topic not in topics:
                topics.append(topic)
    payload = last.payload or {}
    received = [r for r in (received_at(c.payload or {}) for c in changes) if r is not None]
    upstream = [u for u in (_epoch((c.payload or {}).get("upstream_at")) for c in changes) if u]
    return {
        "seq": last.pk,
        "event_id": event.pk,
        "version": version,
        "covers_from": first,
        "kind": last.kind,
        "topics": topics,
        "row": fragments.row,
        "detail": fragments.detail,
        "cursor": render_cursor(last.pk, covers=covers),
        "data": {"kind": last.kind, "data": payload.get("data"), "event": payload.get("event")},
        "ts": {  # the oldest change's: latency is counted for the longest wait
            "upstream": min(upstream, default=None),  # the provider's clock
            "received": min(received, default=None),
            # The commit of the oldest change if known, else when its row was written.
            "committed": committed_at or changes[0].created_at.timestamp(),
            "published": None,
        },
    }


def publish_changes(
    change_ids: list[int], *, batched: bool = False, committed_at: float | None = None
) -> None:
    """After commit: publish what one transaction appended.

    A service call's change (a staff edit) is published here and now. A batch's
    (ingestion, services/batch.py) go to the outbox publisher process in distributed
    mode, which renders each event once for every batch that touched it meanwhile
    (outbox.py), so rendering never limits how fast workers write.
    """
    if batched and settings.LIVE_OUTBOX_PUBLISHER and not settings.EMBEDDED:
        bus.wake_outbox(change_ids, committed_at=committed_at)
        return
    publish_pending(change_ids, committed_at=dict.fromkeys(change_ids, committed_at))


def publish_pending(
    change_ids: list[int], *, committed_at: dict[int, float | None] | None = None
) -> int:
    """Publish the changes among `change_ids` not yet published: one message per event
    (its changes coalesced), in sequence order. Returns how many changes were published.

    Only then is `published_at` set, so a crash in between leaves them to the relay.
    `committed_at`: when each change's transaction committed, where known (the relay
    does not know: the change row's own time is used).
    """
    groups: dict[int | None, list[Change]] = {}
    for change in (
        Change.objects.filter(pk__in=change_ids, published_at__isnull=True)
        .defer("user")
        .order_by("pk")
    ):
        groups.setdefault(change.event_id, []).append(change)
    done = [change.pk for change in groups.pop(None, [])]  # nothing to show live
    if not groups:
        _mark_published(done)
        return len(done)
    watched = watched_pages()  # None: unknown, render every detail and table
    events = round_events(groups, details=None if watched is None else watched.events)
    ordered = sorted(groups.values(), key=lambda g: g[-1].pk)
    messages: list[tuple[list[Change], dict[str, Any] | None]] = []
    for group in ordered:
        event = events.get(group[-1].event_id)
        message = (
            None
            if event is None or _dropped_for_test(group[-1].pk)
            else build_group_message(
                group,
                event,
                with_detail=watched is None or event.pk in watched.events,
                committed_at=(committed_at or {}).get(group[0].pk),
            )
        )
        messages.append((group, message))
    outgoing = [message for _, message in messages if message is not None]
    now = time.time()
    for message in outgoing:
        message["ts"]["published"] = now
    # One round trip for the whole round: each PUBLISH waits for Redis to copy the bytes
    # to every subscriber, which under load cost as much as the rest of the round.
    handed = send_all(outgoing)
    for message in outgoing[:handed]:
        _observe_publish(message)
    sent = 0
    tables = TableRound()  # the live table: rendered once per competition per round
    for group, message in messages:
        if message is not None:
            if sent == handed:
                break  # nobody took it: leave this one and the rest to the relay
            sent += 1
            event = events[group[-1].event_id]
            if watched is None or event.competition_id in watched.competitions:
                tables.note(event, message)
        done.extend(change.pk for change in group)
    # After the events' own messages: a table never delays a score. Only for competition
    # pages some hub has sockets on (interest.py).
    send_all(tables.messages())
    _mark_published(done)
    return len(done)


def _mark_published(change_ids: list[int]) -> None:
    if change_ids:
        Change.objects.filter(pk__in=change_ids, published_at__isnull=True).update(
            published_at=timezone.now()
        )


def round_events(
    event_ids: Iterable[int], *, details: frozenset[int] | None = None
) -> dict[int, Event]:
    """A round's events as the publisher renders them, in at most three queries whatever
    their number. `details`: the events whose detail is rendered this round (None: all):
    those are read with their incident rows, each timeline kept rendered from round to
    round and checked against the rows read (timelines.py); the others, rows only, with
    their red cards and last goal counted in SQL (`selectors.event_rows`): a match's
    incidents number in the hundreds, and reading them all to count two marks cost more
    than rendering its row."""
    wanted = list(event_ids)
    with_detail = wanted if details is None else [pk for pk in wanted if pk in details]
    events = selectors.events_by_id(event_ids=with_detail) if with_detail else {}
    attach_timelines(events)
    rows_only = [pk for pk in wanted if pk not in events]
    if rows_only:
        events.update((e.pk, e) for e in selectors.event_rows().filter(pk__in=rows_only))
    return events


def send_all(messages: list[dict[str, Any]]) -> int:
    """Hand a round's messages to the backplane in order; how many were taken."""
    return bus.publish_all(messages)


def _observe_publish(message: dict[str, Any]) -> None:
    ts = message["ts"]
    if ts["received"] is not None:
        metrics.STAGE.labels(stage="received_to_committed").observe(
            max(0.0, ts["committed"] - ts["received"])
        )
    metrics.STAGE.labels(stage="committed_to_published").observe(
        max(0.0, ts["published"] - ts["committed"])
    )


# --- test hook: lose a message in transit ---------------------------------------------


@contextlib.contextmanager
def dropping_publishes() -> Iterator[list[int]]:
    """TEST ONLY: changes committed in this thread inside the block are marked published
    but never sent, as if the message were lost in transit (the relay will not resend
    it). Clients must notice the version gap on the next change and heal.

    Yields the list of dropped change ids.
    """
    dropped: list[int] = []
    _test_drops.ids = dropped
    try:
        yield dropped
    finally:
        _test_drops.ids = None


def _dropped_for_test(change_id: int) -> bool:
    dropped = getattr(_test_drops, "ids", None)
    if dropped is None:
        return False
    dropped.append(change_id)
    return True
