"""Timelines kept rendered per process, for the publisher.

Every change re-renders its match's timeline (fragments are the event's full state), and
a match's timeline only grows at the end while it is played: loading every incident as a
model and going over every entry again was about half of the publisher's CPU per event
(docs/PERFORMANCE.md, session 6). So `attach_timelines` reads a round's incidents as
plain rows in one query and, per event, keeps the rows it last rendered with their `<li>`s
and running score. When the rows read now start with exactly those rows (every column and
the team's name compared), only the rows after them are rendered; any other difference (a
correction, a cancellation, a removal, an incident placed earlier) renders the whole
timeline again. So what is kept can never be stale: it is checked against the database
on every use, not trusted on change kinds.

The result is what a page render shows (the same `timeline_entry` tag and running-score
rule), tested side by side in tests/live/test_kept_timelines.py.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from scoreboard.lru import keep
from scoreboard.models import Event, Incident, Team
from scoreboard.rules.base import SIDES
from scoreboard.selectors import count_marks

# Matches kept per process (LRU): ~90 KB each at 50 entries (measured with tracemalloc,
# the `<li>`s shared with timeline_entry's LRU), so at most ~45 MB.
TIMELINES_KEPT = 500
FIELDS = tuple(field.attname for field in Incident._meta.concrete_fields)


@dataclass(frozen=True)
class Kept:
    rows: tuple[Any, ...]  # the incident rows rendered, in timeline order
    items: tuple[SafeString, ...]  # their `<li>`s
    totals: dict[str, int]  # the running score after them


_kept: OrderedDict[tuple[int, str, str], Kept] = OrderedDict()
_kept_lock = threading.Lock()


def attach_timelines(events: dict[int, Event]) -> None:
    """Give each event its rendered timeline (`timeline_items`, what the `timeline`
    partial shows) and its red cards and last goal, from one query for all of them."""
    from scoreboard.templatetags.scoreline import timeline_entries_of, timeline_entry

    rows: dict[int, list[Any]] = {event_id: [] for event_id in events}
    for row in (
        Incident.objects.filter(event_id__in=list(events))
        .order_by("event_id", "created_at", "id")
        .values_list(*FIELDS, "team__name", named=True)
    ):
        rows[row.event_id].append(row)
    language = get_language() or ""
    for event_id, event in events.items():
        timeline = rows[event_id]
        count_marks(event, timeline)
        key = (event_id, event.sport_kind, language)
        with _kept_lock:
            kept = _kept.get(key)
        if kept is not None and tuple(timeline[: len(kept.rows)]) == kept.rows:
            start, items, totals = len(kept.rows), list(kept.items), dict(kept.totals)
        else:  # nothing kept, or something before the new rows changed: all again
            start, items, totals = 0, [], dict.fromkeys(SIDES, 0)
        new = [_incident(row) for row in timeline[start:]]
        items += [timeline_entry(entry) for entry in timeline_entries_of(event, new, totals)]
        with _kept_lock:
            keep(_kept, key, Kept(tuple(timeline), tuple(items), dict(totals)), TIMELINES_KEPT)
        event.timeline_items = mark_safe("".join(items))


def _incident(row: Any) -> Incident:
    """The Incident this row holds, as if loaded, its team's name included (no query)."""
    incident = Incident(**{name: getattr(row, name) for name in FIELDS})
    incident._state.adding = False
    if row.team_id is not None:
        incident.team = Team(id=row.team_id, name=row.team__name)
    return incident


def forget_timelines() -> None:
    """Drop every kept timeline (tests start from nothing)."""
    with _kept_lock:
        _kept.clear()
