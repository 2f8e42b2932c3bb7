"""Which event and competition pages have viewers: the publisher renders only for those.

A change is rendered twice: its row (every list page shows rows, so always) and its
detail (header, periods, timeline: only an event's own page shows it, and it is the
larger render). On a match day most changed events have nobody on their page, so each
hub advertises the events its sockets watch, and the publisher renders a detail only for
those (render once per change per topic that has viewers, never per viewer). Likewise a
competition's live table is rendered only while some hub has its page open.

Distributed: each hub writes its set into one Redis hash (`<LIVE_CHANNEL>:watching`,
field = the hub's id, value = {"at": epoch seconds, "events": [ids], "competitions":
[ids]}) when it changes and
every REFRESH_SECONDS; an entry older than STALE_SECONDS (a hub that died) is ignored.
Embedded: the hub is in the publisher's process and is asked directly.

A socket may subscribe just after a round read the set: that round's message has no
detail, and the hub tells that socket to refetch its page (hub.py), so nothing is missed.
If Redis cannot be read the publisher renders every detail (`None`: unknown).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import redis
from django.conf import settings

from scoreboard.live.bus import redis_client

logger = logging.getLogger(__name__)

REFRESH_SECONDS = 2.0
STALE_SECONDS = 3 * REFRESH_SECONDS


_local_source: Callable[[], Watched] | None = None


def serve_locally(source: Callable[[], Watched] | None) -> None:
    """Embedded mode: this process's hub answers for itself (None: it stopped)."""
    global _local_source
    _local_source = source


def watching_key() -> str:
    return f"{settings.LIVE_CHANNEL}:watching"


@dataclass(frozen=True)
class Watched:
    events: frozenset[int]
    competitions: frozenset[int]


def entry(events: Iterable[int], competitions: Iterable[int] = ()) -> str:
    """One hub's advertisement, as stored in the hash."""
    return json.dumps(
        {"at": time.time(), "events": sorted(events), "competitions": sorted(competitions)}
    )


def watched_pages(client: redis.Redis | None = None) -> Watched | None:
    """Event and competition pages some process has viewers on; None if unknown."""
    if settings.EMBEDDED:
        # The hub is in this process (it registers itself): nobody watches without it.
        return _local_source() if _local_source is not None else Watched(frozenset(), frozenset())
    if client is None:
        client = redis_client()
    try:
        entries: dict[Any, Any] = client.hgetall(watching_key())
    except redis.RedisError:
        logger.warning("interest: cannot read %s; rendering every detail", watching_key())
        return None
    fresh_after = time.time() - STALE_SECONDS
    events: set[int] = set()
    competitions: set[int] = set()
    for raw in entries.values():
        try:
            advert = json.loads(raw)
        except ValueError:
            continue
        if advert.get("at", 0) >= fresh_after:
            events.update(advert.get("events", ()))
            competitions.update(advert.get("competitions", ()))
    return Watched(frozenset(events), frozenset(competitions))
