"""Timeline writes: add, correct and remove incidents.

Removing is a correction, not a delete: the incident stays, marked cancelled with the
reason, and any points it scored are taken back in the same change.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.utils import timezone

from scoreboard.errors import InvalidChange
from scoreboard.models import SCORING_KINDS, Event, Incident, IncidentKind, Side
from scoreboard.rules import rules_for

from . import batch
from .changelog import SYSTEM, Actor
from .events import (
    apply_score,
    commit_change,
    current_minute,
    incident_data,
    lock_event,
    score_of,
)

_TIMELINE_ONLY = frozenset(IncidentKind) - SCORING_KINDS - {IncidentKind.POINTS}


@batch.write
def add_incident(
    *,
    event: Event | int,
    kind: str,
    side: str = "",
    player: str = "",
    minute: int | None = None,
    added_time: int | None = None,
    detail: str = "",
    actor: Actor = SYSTEM,
    expected_version: int | None = None,
) -> Incident:
    """Add a non-scoring incident (card, substitution, note...). Scores use record_score."""
    if kind not in _TIMELINE_ONLY:
        raise InvalidChange(f"{kind!r} is not a timeline incident; record scores with record_score")
    if side and side not in Side.values:
        raise InvalidChange(f"side must be home or away, not {side!r}")
    event = lock_event(event, expected_version=expected_version)
    if not event.is_live and event.status != "finished":
        raise InvalidChange("incidents can only be added once an event has started")
    incident = batch.create_incident(
        event=event,
        kind=kind,
        period=event.period,
        minute=minute if minute is not None else current_minute(event),
        added_time=added_time,
        side=side,
        team=(event.home if side == "home" else event.away) if side else None,
        player=player,
        detail=detail,
    )
    commit_change(
        event, kind="incident_added", data={"incident": incident_data(incident)}, actor=actor
    )
    return incident


@batch.write
def correct_incident(
    *,
    incident: Incident | int,
    reason: str,
    player: str | None = None,
    minute: int | None = None,
    added_time: int | None = None,
    detail: str | None = None,
    actor: Actor = SYSTEM,
    expected_version: int | None = None,
) -> Incident:
    """Correct an incident's details (who, when). Its kind and side are not editable:
    remove it and add the right one, so the score and the timeline stay consistent."""
    pk = incident.pk if isinstance(incident, Incident) else incident
    event = lock_event(batch.get_incident(pk).event_id, expected_version=expected_version)
    incident = batch.get_incident(pk)  # read again under the event's lock
    if incident.cancelled:
        raise InvalidChange("this incident was removed and cannot be corrected")
    if not reason.strip():
        raise InvalidChange("a correction needs a reason")
    before = incident_data(incident)
    changes: dict[str, Any] = {
        "player": player,
        "minute": minute,
        "added_time": added_time,
        "detail": detail,
    }
    changes = {
        field: value
        for field, value in changes.items()
        if value is not None and value != getattr(incident, field)
    }
    if not changes:
        raise InvalidChange("nothing to correct")
    batch.update_incident(incident, **changes)
    commit_change(
        event,
        kind="incident_corrected",
        data={"incident": incident_data(incident), "before": before, "reason": reason},
        actor=actor,
    )
    return incident


@batch.write
def remove_incident(
    *,
    incident: Incident | int,
    reason: str,
    actor: Actor = SYSTEM,
    expected_version: int | None = None,
) -> Incident:
    """Cancel an incident with a reason (e.g. a goal disallowed), taking back its points."""
    pk = incident.pk if isinstance(incident, Incident) else incident
    event = lock_event(batch.get_incident(pk).event_id, expected_version=expected_version)
    incident = batch.get_incident(pk)  # read again under the event's lock
    if incident.cancelled:
        raise InvalidChange("this incident is already removed")
    if not reason.strip():
        raise InvalidChange("removing an incident needs a reason")
    if incident.points:
        score = score_of(event)
        score = score.with_period_points(incident.period, incident.side, -incident.points)
        if not _is_shootout(event, incident.period):
            total = getattr(score, incident.side) - incident.points
            if total < 0:
                raise InvalidChange("removing this incident would make the score negative")
            score = replace(score, **{incident.side: total})
        apply_score(event, score)
    batch.update_incident(
        incident, cancelled=True, cancel_reason=reason, cancelled_at=timezone.now()
    )
    commit_change(
        event,
        kind="incident_removed",
        data={"incident": incident_data(incident), "reason": reason},
        actor=actor,
    )
    return incident


def _is_shootout(event: Event, period: str) -> bool:
    return bool(period) and rules_for(event.sport_kind).period(period).shootout
