"""Publishing committed changes to viewers: the ONE place that publishes (DESIGN.md §2, §4).

`publish_changes(ids)` runs after commit (fast path); `publish_pending(ids)` also serves
the relay (changes never confirmed published) and the outbox publisher process
(outbox.py: batches from ingestion). Per event it loads the event once, renders its
fragments ONCE for all of that event's changes in hand (coalesced: the message's
`covers_from` is the oldest version it supersedes), builds one message and hands it to
one long-lived place:

- distributed (REDIS_URL): one Redis PUBLISH on `settings.LIVE_CHANNEL` through a
  module-level connection pool; every ASGI process's hub holds one subscription and
  fans the frame out to its own sockets;
- embedded (no Redis): the in-process hub, if this process serves sockets. A process
  without a hub (e.g. `manage.py demo_feed`) leaves the change unpublished: the web
  process's hub relays it.

Only then is `published_at` set, so a crash in between leaves the change for the relay
(at-least-once; clients drop versions they already have).

Message (JSON over Redis; a dict in embedded mode):
    {"seq", "event_id", "version", "covers_from", "topics", "row", "detail", "cursor",
     "data",
     "ts": {"received", "committed", "published"}}   # ts: epoch seconds, received may be null
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any

import redis
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from scoreboard import selectors
from scoreboard.live import metrics
from scoreboard.live.standings import TableRound
from scoreboard.live.timelines import attach_timelines
from scoreboard.live.topics import topics_for_event
from scoreboard.models import Change, Event

logger = logging.getLogger(__name__)

CURSOR_TEMPLATE = "live/cursor.html"

_client: redis.Redis | None = None
_client_lock = threading.Lock()
_test_drops = threading.local()


def redis_client() -> redis.Redis:
    """The process-wide client (redis-py resets its pool after a fork). One object: a new
    `Redis` per call rebuilt its table of response callbacks each time."""
    global _client
    if _client is None:
        with _client_lock:
            if _client is None:
                _client = redis.Redis.from_url(
                    settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2
                )
    return _client


def render_cursor(seq: int, *, covers: dict[int, int] | None = None) -> str:
    """`#live-cursor` out-of-band element carrying the highest sequence in a frame.

    `covers` (event id -> oldest version): the frame's fragment of that event supersedes
    every version from that one on (coalesced by the hub), so a jump is not a loss.
    """
    context: dict[str, Any] = {"seq": seq}
    if covers:
        context["covers"] = ",".join(f"{event}:{version}" for event, version in covers.items())
    return render_to_string(CURSOR_TEMPLATE, context).strip()


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


def build_message(change: Change) -> dict[str, Any] | None:
    """The message for one change, fragments rendered once; None for event-less changes."""
    return build_group_message([change])


def build_group_message(changes: list[Change], event: Event | None = None) -> dict[str, Any] | None:
    """One message for consecutive changes of one event (id order), rendered once.

    The fragments show the event as it is now, which supersedes every version the group
    carries: `covers_from` (and the cursor's `data-covers`) say so when there is more than
    one, so a browser that had the version before the first does not take the jump for a
    lost message. `event`: the event as `selectors.event_detail` reads it, if in hand.
    """
    last = changes[-1]
    if last.event_id is None:
        return None
    from scoreboard.live.fragments import render_event_fragments

    if event is None:
        event = selectors.event_detail(event_id=last.event_id)
    fragments = render_event_fragments(event)
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
            "received": min(received, default=None),
            "committed": changes[0].created_at.timestamp(),
            "published": None,
        },
    }


def publish_changes(change_ids: list[int], *, batched: bool = False) -> None:
    """After commit: publish what one transaction appended.

    A service call's change (a staff edit) is published here and now. A batch's
    (ingestion, services/batch.py) go to the outbox publisher process in distributed
    mode, which renders each event once for every batch that touched it meanwhile
    (outbox.py), so rendering never limits how fast workers write.
    """
    if batched and settings.LIVE_OUTBOX_PUBLISHER and not settings.EMBEDDED:
        from scoreboard.live.outbox import wake

        wake(change_ids)
        return
    publish_pending(change_ids)


def publish_pending(change_ids: list[int]) -> int:
    """Publish the changes among `change_ids` not yet published: one message per event
    (its changes coalesced), in sequence order. Returns how many changes were published.

    Only then is `published_at` set, so a crash in between leaves them to the relay.
    """
    groups: dict[int | None, list[Change]] = {}
    for change in (
        Change.objects.filter(pk__in=change_ids, published_at__isnull=True)
        .defer("user")
        .order_by("pk")
    ):
        groups.setdefault(change.event_id, []).append(change)
    done = [change.pk for change in groups.pop(None, [])]  # nothing to show live
    events = round_events(groups)
    tables = TableRound()  # the live table: rendered once per competition per round
    for group in sorted(groups.values(), key=lambda g: g[-1].pk):
        event = events.get(group[-1].event_id)
        message = None if event is None else build_group_message(group, event)
        if message is not None and not _dropped_for_test(group[-1].pk):
            message["ts"]["published"] = time.time()
            if not send(message):
                break  # nobody to hand it to in this process: leave the rest to the relay
            _observe_publish(message)
            tables.note(event, message)
        done.extend(change.pk for change in group)
    tables.publish(send)
    if done:
        Change.objects.filter(pk__in=done, published_at__isnull=True).update(
            published_at=timezone.now()
        )
    return len(done)


def round_events(event_ids: Iterable[int]) -> dict[int, Event]:
    """A round's events as the publisher renders them: every event in the same two
    queries, not two per event, and each timeline kept rendered from round to round,
    checked against the incident rows read (timelines.py)."""
    events = selectors.events_by_id(event_ids=event_ids)
    attach_timelines(events)
    return events


def send(message: dict[str, Any]) -> bool:
    """Hand one message to the backplane; False if it must be left for a relay."""
    if settings.EMBEDDED:
        from scoreboard.live.hub import deliver_threadsafe

        if not deliver_threadsafe(message):
            return False
        metrics.PUBLISHED.labels(path="embedded").inc()
        return True
    try:
        redis_client().publish(settings.LIVE_CHANNEL, json.dumps(message, separators=(",", ":")))
    except redis.RedisError:
        metrics.PUBLISH_ERRORS.inc()
        logger.warning("publish of change %s failed; the relay retries", message["seq"])
        return False
    metrics.PUBLISHED.labels(path="redis").inc()
    return True


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
