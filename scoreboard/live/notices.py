"""Feed state, live: "feed delayed" appears and clears on open pages without a reload.

A provider's silence changes no event (no version, no fragment), so it travels as a
small notice through the same backplane (`bus.publish`: Redis, or the in-process hub)
to the topics of each affected event. The hub writes it to those sockets as a JSON
control frame, `{"type": "feed", "event": <id>, "delayed": true|false}`; live.js shows or
removes the badge on that event's row and header.

`announce_feed_health` runs on beat next to the health computation: it compares the
delayed set (`feeds.health.feed_delayed_event_ids`) with the one it announced last (kept
in the cache, so any worker may run it) and publishes only the differences.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.cache import cache

from scoreboard.live import bus
from scoreboard.live.topics import topics_for_event
from scoreboard.models import Event

ANNOUNCED_KEY = "live:feed-delayed:announced"
ANNOUNCED_TTL = 3600  # seconds; forgotten after an hour of no beat: all announced again


def feed_notice(event: Event, *, delayed: bool) -> dict[str, Any]:
    text = json.dumps({"type": "feed", "event": event.pk, "delayed": delayed})
    return {"seq": 0, "topics": topics_for_event(event), "notice": text}


def announce_feed_health(delayed_ids: set[int]) -> tuple[set[int], set[int]]:
    """Publish the events that became delayed or recovered since the last announcement.
    Returns (newly delayed, recovered)."""
    announced: set[int] = set(cache.get(ANNOUNCED_KEY) or ())
    started, recovered = delayed_ids - announced, announced - delayed_ids
    if started or recovered:
        events = Event.objects.select_related("competition__sport").in_bulk(started | recovered)
        for event_id, event in events.items():
            bus.publish(feed_notice(event, delayed=event_id in started))
    cache.set(ANNOUNCED_KEY, sorted(delayed_ids), ANNOUNCED_TTL)
    return started, recovered
