"""Reads for the console: the board, one event's panel, its audit trail."""

from __future__ import annotations

import datetime as dt

from django.db.models import Max, Prefetch, Q, QuerySet
from django.utils import timezone

from scoreboard.models import Change, Event, Incident, Status

# Scheduled events this close to kick-off, and finished ones this recent, stay on the board.
UPCOMING_WINDOW = dt.timedelta(hours=6)
RECENT_WINDOW = dt.timedelta(hours=3)
AUDIT_LIMIT = 40


def board_events(now: dt.datetime | None = None) -> list[Event]:
    """Live events first, then the next kick-offs, then the recently finished."""
    now = now or timezone.now()
    live = Q(status__in=[Status.LIVE, Status.BREAK, Status.SUSPENDED])
    upcoming = Q(status=Status.SCHEDULED, kickoff__lte=now + UPCOMING_WINDOW)
    recent = Q(status__in=[Status.FINISHED, Status.ABANDONED], updated_at__gte=now - RECENT_WINDOW)
    events = list(
        Event.objects.filter(live | upcoming | recent).select_related(
            "competition__sport", "home", "away"
        )
    )
    # Live first (the template groups on is_live), then suspended, upcoming, recent.
    order = {Status.LIVE: 0, Status.BREAK: 0, Status.SUSPENDED: 1, Status.SCHEDULED: 2}
    events.sort(key=lambda e: (order.get(e.status, 3), e.kickoff, e.pk))
    return events


def event_for_card(event_id: int) -> Event:
    return Event.objects.select_related("competition__sport", "home", "away").get(pk=event_id)


def event_for_panel(event_id: int) -> Event:
    return (
        Event.objects.select_related("competition__sport", "home", "away")
        .prefetch_related(
            Prefetch("incidents", queryset=Incident.objects.select_related("team").order_by("-id"))
        )
        .get(pk=event_id)
    )


def audit_trail(event_id: int, limit: int = AUDIT_LIMIT) -> QuerySet[Change]:
    """Who changed what and when, newest first (the change log is the audit trail)."""
    return Change.objects.filter(event_id=event_id).select_related("user").order_by("-id")[:limit]


def changes_since(event_id: int, version: int) -> list[Change]:
    """The changes an editor did not see: everything after the version they edited."""
    return list(
        Change.objects.filter(event_id=event_id, version__gt=version)
        .select_related("user")
        .order_by("version")
    )


def latest_sequence() -> int:
    return Change.objects.aggregate(n=Max("id"))["n"] or 0


def events_changed(after: int, upto: int, limit: int = 500) -> list[int]:
    """Ids of events with a change in (after, upto]: the polling fallback's answer."""
    rows = Change.objects.filter(id__gt=after, id__lte=upto, event__isnull=False)
    return sorted(set(rows.values_list("event_id", flat=True)[:limit]))
