"""What the admin's live pages read from the server (the browser half is static/js/admin_live.js).

The pages follow the staff live socket (`/ws/console/live/`: the public topics and
fragments behind the console's role check). A fragment says an event moved on (version,
status, score, period); what the public fragments do not carry (who changed it, what the
change form's fields now hold, new incidents) comes from one GET of `live_state`.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import quote

from django.utils import timezone

from scoreboard.live.topics import LIVE, day_topic, event_topic
from scoreboard.models import Change, Event, Incident, Source, Status

from .describe import describe_change
from .selectors import changes_since, latest_sequence

SOCKET = "/ws/console/live/"
PRESENCE_SOCKET = "/ws/console/presence/"
# Form fields the banner compares and "load the current state" can fill in.
LIVE_FIELDS = ("status", "period", "home_score", "away_score", "venue", "home", "away")


def socket_url(topics: list[str]) -> str:
    return f"{SOCKET}?topics={quote(','.join(topics), safe=',')}"


def changelist_page(cursor: int) -> dict[str, Any]:
    """Data attributes of the live changelist: live and today's (UTC) events."""
    today = timezone.now().astimezone(dt.UTC).date()
    return {
        "socket": socket_url([LIVE, day_topic(today)]),
        "cursor": cursor,
        "status_labels": json.dumps(dict(Status.choices)),
    }


def change_form_page(event: Event) -> dict[str, Any]:
    """Data attributes of the live change form of `event` as the form shows it."""
    # Resume from the change that made the version the form shows: a change committed
    # between reading the event and rendering is then replayed, never skipped.
    shown = (
        Change.objects.filter(event_id=event.pk, version=event.version)
        .values_list("id", flat=True)
        .first()
    )
    return {
        "socket": socket_url([event_topic(event.pk)]),
        "cursor": shown if shown is not None else latest_sequence(),
        "presence": PRESENCE_SOCKET,
        "status_labels": json.dumps(dict(Status.choices)),
        "last_incident": event.incidents.order_by("-pk").values_list("pk", flat=True).first() or 0,
    }


def who(change: Change) -> str:
    """ "by erin" for a person, "by feed (opta)" for a machine."""
    if change.user_id is not None:
        return f"by {change.user.get_username()}"
    label = Source(change.source).label.lower() if change.source in Source.values else "system"
    return f"by {label} ({change.source_detail})" if change.source_detail else f"by {label}"


def change_lines(event_id: int, since: int) -> list[str]:
    """ "changed by feed (opta) at 12:03:41: Goal (home) Saka 23' → 1-0 (v19)", oldest first."""
    return [
        f"changed {who(change)} at {timezone.localtime(change.created_at):%H:%M:%S}: "
        f"{describe_change(change)} (v{change.version})"
        for change in changes_since(event_id, since)
    ]


def current_fields(event: Event) -> dict[str, dict[str, str]]:
    """The change form's live fields as the form would post them now, with a label each."""
    values: dict[str, tuple[Any, str]] = {
        "status": (event.status, event.get_status_display()),
        "period": (event.period, event.period or "—"),
        "home_score": (event.home_score, str(event.home_score)),
        "away_score": (event.away_score, str(event.away_score)),
        "venue": (event.venue, event.venue or "—"),
        "home": (event.home_id, str(event.home)),
        "away": (event.away_id, str(event.away)),
    }
    return {name: {"value": str(v), "label": label} for name, (v, label) in values.items()}


def incident_line(incident: Incident) -> str:
    side = f" ({incident.get_side_display().lower()})" if incident.side else ""
    detail = f" · {incident.detail}" if incident.detail else ""
    cancelled = " · cancelled" if incident.cancelled else ""
    return f"{incident}{side}{detail}{cancelled}"


def live_state(event: Event, *, since: int, after_incident: int) -> dict[str, Any]:
    """Context of the banner fragment: what changed after `since`, the fields now, new
    incidents (ids above `after_incident`)."""
    incidents = event.incidents.filter(pk__gt=after_incident).order_by("pk")
    return {
        "event": event,
        "since": since,
        "lines": change_lines(event.pk, since),
        "current": json.dumps(current_fields(event)),
        "incidents": [(i.pk, incident_line(i)) for i in incidents],
    }
