"""Resume on (re)connect: what a socket missed since its cursor.

Within LIVE_REPLAY_WINDOW changes: the current fragments of each event of the socket's
topics that changed since, in one frame with the new cursor. Beyond it (or a cursor from
the future, e.g. after a database reset): resync, and the page refetches its live region
over HTTP.

After a server restart every viewer reconnects at once with (nearly) the same cursor, so
replay must not render per socket (docs/PERFORMANCE.md, reconnect storm). Only the set
of changed events (ids and versions) comes from the database; their fragments come from
the hub (the last fragments it fanned out) or from a short-lived per-process memo keyed
by (event, version), so each event version renders at most once per process. Whole
replays are memoised too, keyed by (topics, since, latest): identical sockets then cost
one query each.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass

from channels.db import database_sync_to_async
from django.conf import settings
from django.db.models import Max

from scoreboard import selectors
from scoreboard.live import metrics
from scoreboard.live.fragments import render_cursor
from scoreboard.live.hub import Connection, get_hub
from scoreboard.live.standings import COUNTED
from scoreboard.live.topics import LIVE, competition_topic, detail_event_ids, topics_for_event
from scoreboard.models import Change, Event

RESYNC = json.dumps({"type": "resync"})

MEMO_SECONDS = 5.0  # a reconnect storm lasts seconds; state newer than `latest` is pushed live
MEMO_SIZE = 2048


@dataclass(frozen=True)
class Replay:
    resync: bool
    seq: int  # the cursor the socket is current with after this replay
    text: str | None = None  # one HTML frame (fragments + cursor), None if nothing missed
    events: int = 0


class _Memo:
    """A small, thread-safe, time-bounded memo (cleared whole when full)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.items: dict[object, tuple[float, object]] = {}

    def get(self, key: object) -> object | None:
        found = self.items.get(key)
        if found is None or found[0] < time.monotonic():
            return None
        return found[1]

    def put(self, key: object, value: object) -> None:
        with self.lock:
            if len(self.items) >= MEMO_SIZE:
                self.items.clear()
            self.items[key] = (time.monotonic() + MEMO_SECONDS, value)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


_renders = _Memo()  # (event id, version) -> (row, detail)
_replays = _Memo()  # (topics, since, latest) -> Replay


def forget() -> None:
    """Drop the memos (tests that rebuild the database)."""
    _renders.clear()
    _replays.clear()


def _fragments(event_id: int, version: int) -> tuple[str, str]:
    """(row, detail) of `event_id` at `version` or newer, rendered at most once."""
    from scoreboard.live import fragments

    # The hub keeps what it last fanned out (written on its loop; a dict read is atomic).
    pushed = get_hub().fragments.get(event_id)
    if pushed is not None and pushed[0] >= version and pushed[2]:  # detail rendered
        return pushed[1], pushed[2]
    found = _renders.get((event_id, version))
    if found is None:
        rendered = fragments.render_fragments(event_id)
        found = (rendered.row, rendered.detail)
        _renders.put((event_id, version), found)
        if rendered.version != version:
            _renders.put((event_id, rendered.version), found)
    return found  # type: ignore[return-value]


def _table(competition_id: int, seq: int) -> str:
    """A competition's live table as of change `seq` or later: the one the hub last fanned
    out if that recent, else rendered (once per replay; whole replays are memoised)."""
    from scoreboard.live.hub import get_hub
    from scoreboard.live.standings import render_table

    pushed = get_hub().fragments.get(-competition_id)
    if pushed is not None and pushed[0] >= seq:
        return pushed[1]
    table = selectors.competition_table(competition_id=competition_id)
    return render_table(table, seq=seq, oob=True)


def replay_since(*, topics: list[str] | tuple[str, ...], since: int) -> Replay:
    """What a socket subscribed to `topics` missed after sequence `since`."""
    # Change ids become visible in order (advisory lock in services.changelog), so
    # nothing at or below `latest` can still appear: `latest` is a safe new cursor.
    latest = Change.objects.aggregate(seq=Max("id"))["seq"] or 0
    if since > latest or latest - since > settings.LIVE_REPLAY_WINDOW:
        return Replay(resync=True, seq=latest)
    if since == latest:
        return Replay(resync=False, seq=latest)
    key = (tuple(topics), since, latest)
    memo = _replays.get(key)
    if memo is not None:
        return memo  # type: ignore[return-value]
    replay = _replay(topics=topics, since=since, latest=latest)
    _replays.put(key, replay)
    return replay


def _replay(*, topics: list[str] | tuple[str, ...], since: int, latest: int) -> Replay:
    missed = Change.objects.filter(id__gt=since, id__lte=latest, event__isnull=False)
    last_change: dict[int, int] = {}  # event id -> its latest change id in the gap
    for event_id, change_id in missed.values_list("event_id", "id"):
        last_change[event_id] = max(change_id, last_change.get(event_id, 0))
    changed_ids = set(last_change)
    # Events that left (or entered) "live" in the gap also concern the `live` topic.
    status_changed = set(missed.filter(kind="status").values_list("event_id", flat=True))
    wanted = set(topics)
    details = detail_event_ids(tuple(topics))
    parts: list[str] = []
    replayed = 0
    tables: dict[int, int] = {}  # competition id -> latest change id: its live table
    events = Event.objects.select_related("competition__sport").filter(pk__in=changed_ids)
    for event in events.order_by("pk"):
        event_topics = set(topics_for_event(event))
        if event.pk in status_changed:
            event_topics.add(LIVE)
        if not event_topics & wanted:
            continue
        if competition_topic(event.competition_id) in wanted and event.status in COUNTED:
            seq = max(last_change[event.pk], tables.get(event.competition_id, 0))
            tables[event.competition_id] = seq
        row, detail = _fragments(event.pk, event.version)
        replayed += 1
        if event.pk in details:
            parts.append(detail)
        parts.append(row)
    parts.extend(_table(competition_id, seq) for competition_id, seq in tables.items())
    if not parts:
        return Replay(resync=False, seq=latest)
    parts.append(render_cursor(latest))
    return Replay(resync=False, seq=latest, text="".join(parts), events=replayed)


async def resume(
    connection: Connection, *, topics: list[str], since: int | None
) -> tuple[list[str], int]:
    """What a new socket (WebSocket or SSE alike) is sent before its live frames, and the
    sequence that covers. First it waits until the publisher can know the socket's pages
    are watched (their details and tables are rendered only then); then, with a cursor,
    the replay: what the socket missed, or `resync` when that is too much."""
    await get_hub().advertised_for(connection)
    if since is None:
        return [], 0
    replay = await database_sync_to_async(replay_since)(topics=topics, since=since)
    if replay.resync:
        metrics.REPLAYS.labels(outcome="resync").inc()
        return [RESYNC], replay.seq
    metrics.REPLAYS.labels(outcome="replayed" if replay.text else "current").inc()
    texts = [replay.text] if replay.text else []
    return [*texts, json.dumps({"type": "replayed", "seq": replay.seq})], replay.seq
