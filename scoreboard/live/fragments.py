"""Render an event's live fragments once per change (DESIGN.md §4).

The publisher calls `render_fragments` once per committed change and sends the bytes to
every viewer; the fragment endpoint (`/events/<id>/fragment/`) returns the same HTML
when a browser heals a version gap. Both render the page's own partials with
`hx-swap-oob`, so a pushed row is byte-for-byte what a page load would show.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.template.loader import render_to_string

from scoreboard import selectors
from scoreboard.models import Event

PARTIALS = "scoreboard/partials.html"


@dataclass(frozen=True)
class Fragments:
    row: str  # `event-row-<id>`, for list pages
    detail: str  # `event-header-<id>`, `event-periods-<id>`, `event-timeline-<id>`


def render_event_fragments(event: Event) -> Fragments:
    """Render from an event read by `selectors.event_detail` (annotated, timeline prefetched)."""
    selectors.mark_feed_delayed([event])
    context = {"event": event, "oob": True}
    return Fragments(
        row=render_to_string(f"{PARTIALS}#row", context).strip(),
        detail=render_to_string(f"{PARTIALS}#detail", context).strip(),
    )


def render_fragments(event_id: int) -> Fragments:
    """The current state of one event as out-of-band fragments (two queries)."""
    return render_event_fragments(selectors.event_detail(event_id=event_id))
