"""Console actions: each one calls exactly one service, as the console's Actor.

Every action also says how it can be undone (within `UNDO_WINDOW_SECONDS`) as a
correction through the same services, or why it cannot.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from scoreboard import services
from scoreboard.errors import InvalidChange
from scoreboard.models import SCORING_KINDS, Change, Event, Incident, IncidentKind, Status
from scoreboard.rules import rules_for
from scoreboard.services import Actor

UNDO_WINDOW_SECONDS = 10
UNDO_REASON = "undone"


@dataclass
class Outcome:
    event: Event
    message: str
    undo: dict[str, Any] | None = None  # what `undo` needs; None if it cannot be undone
    no_undo_reason: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _last_incident_id(event: Event) -> int | None:
    payload = (
        Change.objects.filter(event=event, version=event.version)
        .values_list("payload", flat=True)
        .first()
    ) or {}
    return ((payload.get("data") or {}).get("incident") or {}).get("id")


def _who(event: Event, side: str, player: str, minute: int | None) -> str:
    team = event.home if side == "home" else event.away
    bits = [team.label]
    if player:
        bits.append(player)
    if minute is not None:
        bits.append(f"{minute}'")
    return " ".join(bits)


def score(*, event_id: int, data: dict[str, Any], actor: Actor, expected_version: int) -> Outcome:
    kind = data.get("kind") or IncidentKind.GOAL
    event = services.record_score(
        event=event_id,
        side=data["side"],
        points=data.get("points") or 1,
        kind=kind,
        player=data.get("player") or "",
        minute=data.get("minute"),
        actor=actor,
        expected_version=expected_version,
    )
    incident_id = _last_incident_id(event)
    label = "Point" if event.sport_kind == "tennis" else IncidentKind(kind).label
    if event.sport_kind == "basketball":
        label = f"+{data.get('points') or 1}"
    message = f"{label} {_who(event, data['side'], data.get('player') or '', data.get('minute'))}"
    message += f" — {event.home_score}-{event.away_score}"
    if incident_id is None:
        return Outcome(event, message, no_undo_reason="a tennis point cannot be taken back here")
    return Outcome(event, message, undo={"op": "remove", "incident": incident_id})


def card(*, event_id: int, data: dict[str, Any], actor: Actor, expected_version: int) -> Outcome:
    kind = IncidentKind.RED_CARD if data["color"] == "red" else IncidentKind.YELLOW_CARD
    incident = services.add_incident(
        event=event_id,
        kind=kind,
        side=data["side"],
        player=data.get("player") or "",
        minute=data.get("minute"),
        actor=actor,
        expected_version=expected_version,
    )
    event = incident.event
    message = f"{kind.label} {_who(event, incident.side, incident.player, incident.minute)}"
    return Outcome(event, message, undo={"op": "remove", "incident": incident.pk})


def substitution(
    *, event_id: int, data: dict[str, Any], actor: Actor, expected_version: int
) -> Outcome:
    player_out = data.get("player_out") or ""
    incident = services.add_incident(
        event=event_id,
        kind=IncidentKind.SUBSTITUTION,
        side=data["side"],
        player=data.get("player") or "",
        minute=data.get("minute"),
        detail=f"for {player_out}" if player_out else "",
        actor=actor,
        expected_version=expected_version,
    )
    event = incident.event
    message = f"Substitution {_who(event, incident.side, incident.player, incident.minute)}"
    return Outcome(event, message, undo={"op": "remove", "incident": incident.pk})


def next_period(
    *, event_id: int, data: dict[str, Any], actor: Actor, expected_version: int
) -> Outcome:
    """Kick off, end the period (break), start the next one, or resume after a suspension."""
    current = Event.objects.select_related("competition__sport").get(pk=event_id)
    target = Status.BREAK if current.status == Status.LIVE else Status.LIVE
    event = services.change_status(
        event=event_id,
        status=target,
        period=data.get("period") or None,
        actor=actor,
        expected_version=expected_version,
    )
    if target == Status.BREAK:
        return Outcome(
            event,
            f"End of {event.period}",
            no_undo_reason="an ended period cannot be reopened; start the next one instead",
        )
    if current.status == Status.SCHEDULED:
        return Outcome(
            event, "Kick-off", no_undo_reason="a started event cannot go back to scheduled"
        )
    return Outcome(
        event,
        f"{event.period} started",
        no_undo_reason="a started period cannot be taken back; end it if needed",
    )


def clock(*, event_id: int, data: dict[str, Any], actor: Actor, expected_version: int) -> Outcome:
    before = Event.objects.select_related("competition__sport").get(pk=event_id)
    elapsed_before = services.clock_elapsed_now(before)
    event = services.set_clock(
        event=event_id, running=data["running"], actor=actor, expected_version=expected_version
    )
    minutes, seconds = divmod(event.clock_elapsed, 60)
    message = f"Clock {'started' if event.clock_running else 'stopped'} at {minutes}:{seconds:02d}"
    undo = {
        "op": "clock",
        "running": not event.clock_running,
        "elapsed": elapsed_before,
        "at": timezone.now().timestamp(),
    }
    return Outcome(event, message, undo=undo)


def finish(*, event_id: int, data: dict[str, Any], actor: Actor, expected_version: int) -> Outcome:
    event = services.change_status(
        event=event_id, status=Status.FINISHED, actor=actor, expected_version=expected_version
    )
    return Outcome(
        event,
        f"Full time — {event.home_score}-{event.away_score}",
        no_undo_reason="finished is a final status",
    )


def remove_incident(
    *, event_id: int, data: dict[str, Any], actor: Actor, expected_version: int
) -> Outcome:
    incident = _incident_of(event_id, data["incident"])
    incident = services.remove_incident(
        incident=incident, reason=data["reason"], actor=actor, expected_version=expected_version
    )
    event = incident.event
    event.refresh_from_db()
    message = f"Removed {incident} ({data['reason']}) — {event.home_score}-{event.away_score}"
    # Undoing a removal books the incident again (the cancelled entry stays, with its reason).
    return Outcome(event, message, undo={"op": "readd", "incident": incident.pk})


def correct_incident(
    *, event_id: int, data: dict[str, Any], actor: Actor, expected_version: int
) -> Outcome:
    incident = _incident_of(event_id, data["incident"])
    before = {"player": incident.player, "minute": incident.minute}
    incident = services.correct_incident(
        incident=incident,
        reason=data["reason"],
        player=data.get("player") if data.get("player") else None,
        minute=data.get("minute"),
        actor=actor,
        expected_version=expected_version,
    )
    event = incident.event
    event.refresh_from_db()
    return Outcome(
        event,
        f"Corrected {incident} ({data['reason']})",
        undo={"op": "correct", "incident": incident.pk, **before},
    )


def _incident_of(event_id: int, incident_id: int) -> Incident:
    incident = Incident.objects.filter(pk=incident_id, event_id=event_id).first()
    if incident is None:
        raise InvalidChange("that incident is not part of this event")
    return incident


# -- undo ------------------------------------------------------------------------------


def remember_undo(*, user_id: int, outcome: Outcome, label: str) -> str | None:
    """Keep the user's last action for the undo window; returns its token."""
    if outcome.undo is None:
        cache.delete(_undo_key(user_id))
        return None
    token = secrets.token_urlsafe(8)
    cache.set(
        _undo_key(user_id),
        {
            **outcome.undo,
            "token": token,
            "event": outcome.event.pk,
            "version": outcome.event.version,
            "label": label,
            "created": time.time(),
        },
        timeout=UNDO_WINDOW_SECONDS + 2,
    )
    return token


def pending_undo(user_id: int, token: str) -> dict[str, Any] | None:
    spec = cache.get(_undo_key(user_id))
    if not spec or spec.get("token") != token:
        return None
    if time.time() - spec["created"] > UNDO_WINDOW_SECONDS:
        return None
    return spec


def forget_undo(user_id: int) -> None:
    cache.delete(_undo_key(user_id))


def undo(*, spec: dict[str, Any], actor: Actor) -> Outcome:
    """Take back an action as a correction, based on the version it produced.

    If anyone changed the event since, the service refuses with `StaleEdit`: the
    editor sees what changed rather than undoing on top of someone else's work.
    """
    version = spec["version"]
    event_id = spec["event"]
    if spec["op"] == "remove":
        incident = services.remove_incident(
            incident=spec["incident"], reason=UNDO_REASON, actor=actor, expected_version=version
        )
        event = incident.event
        event.refresh_from_db()
        return Outcome(event, f"Undone: {incident} — {event.home_score}-{event.away_score}")
    if spec["op"] == "clock":
        elapsed = spec["elapsed"]
        if spec["running"]:
            # The clock ran on while it was wrongly stopped: give that time back.
            elapsed += int(time.time() - spec["at"])
        event = services.set_clock(
            event=event_id,
            running=spec["running"],
            elapsed=elapsed,
            actor=actor,
            expected_version=version,
        )
        return Outcome(event, f"Undone: clock {'running' if spec['running'] else 'stopped'}")
    if spec["op"] == "readd":
        old = Incident.objects.get(pk=spec["incident"])
        if old.kind in SCORING_KINDS or old.kind == IncidentKind.POINTS:
            event = services.record_score(
                event=event_id,
                side=old.side,
                points=old.points or 1,
                kind=old.kind,
                player=old.player,
                minute=old.minute,
                actor=actor,
                expected_version=version,
            )
        else:
            event = services.add_incident(
                event=event_id,
                kind=old.kind,
                side=old.side,
                player=old.player,
                minute=old.minute,
                detail=old.detail,
                actor=actor,
                expected_version=version,
            ).event
        return Outcome(event, f"Undone: {old} booked again")
    if spec["op"] == "correct":
        incident = services.correct_incident(
            incident=spec["incident"],
            reason=UNDO_REASON,
            player=spec["player"],
            minute=spec["minute"],
            actor=actor,
            expected_version=version,
        )
        event = incident.event
        event.refresh_from_db()
        return Outcome(event, f"Undone: correction of {incident}")
    raise InvalidChange("this action cannot be undone")


def _undo_key(user_id: int) -> str:
    return f"console:undo:{user_id}"


ACTIONS = {
    "score": score,
    "card": card,
    "sub": substitution,
    "period": next_period,
    "clock": clock,
    "finish": finish,
    "remove": remove_incident,
    "correct": correct_incident,
}


def period_button_label(event: Event) -> str:
    """What the "next period" button does for this event now."""
    if event.status == Status.SCHEDULED:
        return "Kick off"
    if event.status == Status.LIVE:
        return f"End {event.period}"
    if event.status == Status.SUSPENDED:
        return "Resume"
    if event.status == Status.BREAK:
        rules = rules_for(event.sport_kind)
        following = rules.next_periods(services.events.score_of(event))
        return f"Start {following[0]}" if following else ""
    return ""
