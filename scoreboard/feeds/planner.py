"""Turn a provider snapshot into service-layer commands (pure: reads, never writes).

`next_command` looks at where our event is and where the snapshot says it should be,
and returns the one service call that moves it a step closer (or None when there is
nothing left to do). The ingest loop applies it through `scoreboard.services` and asks
again. Working one step at a time keeps each call legal for the status machine and the
sport's rules (a goal is recorded in its own period, a period starts after a break).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scoreboard.models import SCORING_KINDS, IncidentKind, Status
from scoreboard.rules import rules_for
from scoreboard.status import TRANSITIONS

from .messages import FeedMessage, IncidentSpec
from .models import LockField

CLOCK_TOLERANCE_SECONDS = 60


@dataclass(frozen=True)
class EventView:
    """The parts of our event the planner compares (a read-only copy)."""

    sport_kind: str
    status: str
    period: str
    home: int
    away: int
    clock_running: bool
    clock_elapsed: int  # elapsed now, in seconds
    applied: dict[str, int] = field(default_factory=dict)  # provider incident id -> ours
    tennis_points: int = 0


@dataclass(frozen=True)
class Command:
    """One service call: `service` names the function, `kwargs` its arguments."""

    service: str
    kwargs: dict[str, Any]
    lock_field: str
    incident_key: str = ""
    tennis_point: bool = False


def is_scoring(spec: IncidentSpec) -> bool:
    return spec.points > 0 or spec.kind in SCORING_KINDS or spec.kind == IncidentKind.POINTS


def _incident_command(spec: IncidentSpec) -> Command:
    common = {"side": spec.side, "player": spec.player, "minute": spec.minute}
    if is_scoring(spec):
        return Command(
            "record_score",
            {**common, "points": spec.points or 1, "kind": spec.kind, "detail": spec.detail},
            LockField.SCORE,
            incident_key=spec.key,
        )
    return Command(
        "add_incident",
        {**common, "kind": spec.kind, "detail": spec.detail},
        LockField.INCIDENTS,
        incident_key=spec.key,
    )


def locked_differences(view: EventView, msg: FeedMessage, locked: frozenset[str]) -> set[str]:
    """The locked fields this message would have changed (counted as skipped)."""
    wanted = set()
    if LockField.SCORE in locked and ((view.home, view.away) != (msg.home, msg.away)):
        wanted.add(LockField.SCORE)
    if LockField.STATUS in locked and (view.status, view.period) != (msg.status, msg.period):
        wanted.add(LockField.STATUS)
    if LockField.INCIDENTS in locked and any(
        not is_scoring(s) and (s.key in view.applied) == s.cancelled for s in msg.incidents
    ):
        wanted.add(LockField.INCIDENTS)
    if (
        LockField.CLOCK in locked
        and msg.clock_running is not None
        and msg.clock_running != view.clock_running
    ):
        wanted.add(LockField.CLOCK)
    return wanted


def next_command(view: EventView, msg: FeedMessage, locked: frozenset[str]) -> Command | None:
    rules = rules_for(view.sport_kind)
    codes = [p.code for p in rules.periods]
    tennis = view.sport_kind == "tennis"
    specs = {spec.key: spec for spec in msg.incidents}

    # 1. Incidents the provider has since cancelled (a goal ruled out). An incident
    # merely absent is kept: a fill-in provider may not know every incident.
    for key, incident_id in view.applied.items():
        spec = specs.get(key)
        if spec is not None and spec.cancelled:
            scoring = is_scoring(spec)
            if (LockField.SCORE if scoring else LockField.INCIDENTS) in locked:
                continue
            return Command(
                "remove_incident",
                {"incident": incident_id, "reason": "cancelled by the feed"},
                LockField.SCORE if scoring else LockField.INCIDENTS,
                incident_key=key,
            )

    status_free = LockField.STATUS not in locked

    # 2. Starting (or postponing / cancelling) a scheduled event.
    if view.status in (Status.SCHEDULED, Status.POSTPONED):
        if not status_free or msg.status == view.status:
            return None
        if msg.status in TRANSITIONS[view.status]:
            return Command("change_status", {"status": msg.status}, LockField.STATUS)
        if view.status == Status.SCHEDULED and msg.status not in (
            Status.CANCELLED,
            Status.POSTPONED,
        ):
            return Command("change_status", {"status": Status.LIVE}, LockField.STATUS)
        return None

    # 3. What happened in the current period: points (tennis) or incidents.
    if tennis:
        if (
            view.status == Status.LIVE
            and msg.points
            and view.tennis_points < len(msg.points)
            and LockField.SCORE not in locked
        ):
            side = "home" if msg.points[view.tennis_points] == "H" else "away"
            return Command(
                "record_score", {"side": side, "points": 1}, LockField.SCORE, tennis_point=True
            )
    else:
        for spec in msg.incidents:
            if spec.cancelled or spec.key in view.applied:
                continue
            command = _incident_command(spec)
            if command.lock_field in locked:
                continue
            # Scores need a live period; other incidents may also follow the end.
            if command.service == "record_score":
                ok = view.status == Status.LIVE and spec.period == view.period
            else:
                ok = view.status in (Status.LIVE, Status.BREAK, Status.FINISHED) and (
                    spec.period == view.period or view.status == Status.FINISHED
                )
            if ok:
                return command

    # 4. Moving on to a later period: end this one, then start the next.
    if (
        status_free
        and not tennis
        and msg.period in codes
        and view.period in codes
        and codes.index(msg.period) > codes.index(view.period)
    ):
        if view.status == Status.LIVE:
            return Command("change_status", {"status": Status.BREAK}, LockField.STATUS)
        if view.status in (Status.BREAK, Status.SUSPENDED):
            following = codes[codes.index(view.period) + 1]
            period = following if view.status == Status.BREAK else None
            return Command(
                "change_status", {"status": Status.LIVE, "period": period}, LockField.STATUS
            )

    # 5. Same period, different status (half time, suspension, the final whistle).
    if (
        status_free
        and msg.status != view.status
        and msg.status in TRANSITIONS[view.status]
        and not (view.status == Status.BREAK and msg.status == Status.LIVE)
        and not (tennis and msg.status == Status.FINISHED)  # tennis ends by itself
    ):
        return Command("change_status", {"status": msg.status}, LockField.STATUS)

    # 6. The headline score, when the incidents alone do not explain it.
    if (
        not tennis
        and LockField.SCORE not in locked
        and (view.home, view.away) != (msg.home, msg.away)
        and view.status in (Status.LIVE, Status.BREAK, Status.FINISHED)
        and not any(
            is_scoring(s) and not s.cancelled and s.key not in view.applied for s in msg.incidents
        )
    ):
        return Command(
            "set_score",
            {"home": msg.home, "away": msg.away, "reason": "feed correction"},
            LockField.SCORE,
        )

    # 7. The clock, when it runs differently or has drifted.
    if (
        rules.has_clock
        and LockField.CLOCK not in locked
        and view.status == Status.LIVE
        and msg.status == Status.LIVE
        and msg.period == view.period
        and msg.clock_running is not None
    ):
        drift = abs(msg.clock_elapsed - view.clock_elapsed) if msg.clock_elapsed is not None else 0
        if msg.clock_running != view.clock_running or drift > CLOCK_TOLERANCE_SECONDS:
            return Command(
                "set_clock",
                {"running": msg.clock_running, "elapsed": msg.clock_elapsed},
                LockField.CLOCK,
            )
    return None
