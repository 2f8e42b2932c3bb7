"""Render an event's live fragments once per change (docs/ARCHITECTURE.md, "Live delivery").

The publisher calls `render_fragments` once per committed change and sends the bytes to
every viewer; the fragment endpoint (`/events/<id>/fragment/`) returns the same HTML
when a browser heals a version gap. Both render the page's own partials with
`hx-swap-oob`, so a pushed row is what a page load would show.

Every byte of a fragment is copied to every socket, so the template's indentation is
stripped once here (~40 % of a row). Only spaces/tabs after a newline go: newlines stay,
so the result renders identically (also under `white-space: pre-line`).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string

from scoreboard import selectors
from scoreboard.models import Event, Status

PARTIALS = "scoreboard/partials.html"
CURSOR_TEMPLATE = "live/cursor.html"
# Only these can show "feed delayed" (the feed health signal concerns events in play).
IN_PLAY = frozenset({Status.LIVE, Status.BREAK})
# The feed-health answer is shared for this long: "silent for FEED_SILENT_AFTER_SECONDS"
# is coarse, while asking costs a savepoint and a query on every change at 10/s.
FEED_HEALTH_SECONDS = 1.0

_feed_health: tuple[float, frozenset[int]] = (0.0, frozenset())
_feed_health_lock = threading.Lock()


def feed_delayed_ids() -> frozenset[int]:
    """`selectors.feed_delayed_event_ids()`, asked at most once per FEED_HEALTH_SECONDS."""
    global _feed_health
    expires, delayed = _feed_health
    now = time.monotonic()
    if now < expires:
        return delayed
    with _feed_health_lock:
        if now >= _feed_health[0]:
            _feed_health = (now + FEED_HEALTH_SECONDS, selectors.feed_delayed_event_ids())
        return _feed_health[1]


def forget_feed_health() -> None:
    global _feed_health
    _feed_health = (0.0, frozenset())


@dataclass(frozen=True)
class Fragments:
    row: str  # `event-row-<id>`, for list pages
    detail: str  # `event-header-<id>`, `event-periods-<id>`, `event-timeline-<id>`
    version: int = 0  # the event version the fragments show


def _trim(html: str) -> str:
    # Spaces/tabs around each line break go, newlines stay. Line by line: three times
    # as fast as a regular expression on a long timeline (which every detail carries).
    return "\n".join(line.strip(" \t") for line in html.strip().split("\n"))


def render_event_fragments(event: Event, *, with_detail: bool = True) -> Fragments:
    """Render from an event read by `selectors.event_detail` (annotated, timeline
    prefetched). Without `with_detail` only the row (detail "": nobody on its page)."""
    # Not in play: never "delayed", no feed-health query needed.
    event.feed_delayed = event.status in IN_PLAY and event.pk in feed_delayed_ids()
    context = {"event": event, "oob": True}
    return Fragments(
        row=_trim(render_to_string(f"{PARTIALS}#row", context)),
        detail=_trim(render_to_string(f"{PARTIALS}#detail", context)) if with_detail else "",
        version=event.version,
    )


def render_cursor(seq: int, *, covers: dict[int, int] | None = None) -> str:
    """`#live-cursor` out-of-band element carrying the highest sequence in a frame.

    `covers` (event id -> oldest version): the frame's fragment of that event supersedes
    every version from that one on (coalesced), so a jump is not a loss.
    """
    context: dict[str, Any] = {"seq": seq}
    if covers:
        context["covers"] = ",".join(f"{event}:{version}" for event, version in covers.items())
    return render_to_string(CURSOR_TEMPLATE, context).strip()


def render_fragments(event_id: int) -> Fragments:
    """The current state of one event as out-of-band fragments (two queries)."""
    return render_event_fragments(selectors.event_detail(event_id=event_id))
