"""Resume on (re)connect: what a socket missed since its cursor (DESIGN.md §7).

Within LIVE_REPLAY_WINDOW changes: the current fragments of each event of the socket's
topics that changed since, rendered once per event, in one frame with the new cursor.
Beyond it (or a cursor from the future, e.g. after a database reset): resync, and the
page refetches its live region over HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Max

from scoreboard.live.publisher import render_cursor
from scoreboard.live.topics import LIVE, detail_event_ids, topics_for_event
from scoreboard.models import Change, Event


@dataclass(frozen=True)
class Replay:
    resync: bool
    seq: int  # the cursor the socket is current with after this replay
    text: str | None = None  # one HTML frame (fragments + cursor), None if nothing missed
    events: int = 0


def replay_since(*, topics: list[str] | tuple[str, ...], since: int) -> Replay:
    """What a socket subscribed to `topics` missed after sequence `since`."""
    from scoreboard.live.fragments import render_fragments

    # Change ids become visible in order (advisory lock in services.changelog), so
    # nothing at or below `latest` can still appear: `latest` is a safe new cursor.
    latest = Change.objects.aggregate(seq=Max("id"))["seq"] or 0
    if since > latest or latest - since > settings.LIVE_REPLAY_WINDOW:
        return Replay(resync=True, seq=latest)
    if since == latest:
        return Replay(resync=False, seq=latest)
    missed = Change.objects.filter(id__gt=since, id__lte=latest, event__isnull=False)
    changed_ids = set(missed.values_list("event_id", flat=True))
    # Events that left (or entered) "live" in the gap also concern the `live` topic.
    status_changed = set(missed.filter(kind="status").values_list("event_id", flat=True))
    wanted = set(topics)
    details = detail_event_ids(tuple(topics))
    parts: list[str] = []
    replayed = 0
    events = Event.objects.select_related("competition__sport").filter(pk__in=changed_ids)
    for event in events.order_by("pk"):
        event_topics = set(topics_for_event(event))
        if event.pk in status_changed:
            event_topics.add(LIVE)
        if not event_topics & wanted:
            continue
        fragments = render_fragments(event.pk)
        replayed += 1
        if event.pk in details:
            parts.append(fragments.detail)
        parts.append(fragments.row)
    if not parts:
        return Replay(resync=False, seq=latest)
    parts.append(render_cursor(latest))
    return Replay(resync=False, seq=latest, text="".join(parts), events=replayed)
