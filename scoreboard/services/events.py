"""Writes to events: one function per kind of change.

Each function locks the event row, validates, applies, bumps `version` and appends a
change-log row in one transaction (docs/ARCHITECTURE.md, "The path of one update").
`expected_version`, when given, refuses an edit based on a state that has changed meanwhile.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from django.db import transaction
from django.utils import timezone

from scoreboard.errors import InvalidChange, StaleEdit
from scoreboard.models import (
    SCORING_KINDS,
    Change,
    Competition,
    Event,
    Incident,
    IncidentKind,
    Status,
    Team,
)
from scoreboard.rules import SIDES, Score, rules_for
from scoreboard.status import check_transition

from . import batch
from .changelog import SYSTEM, Actor, append_change, new_change


def lock_event(event: Event | int, *, expected_version: int | None = None) -> Event:
    """Lock the event row for this transaction and check the editor's version."""
    pk = event.pk if isinstance(event, Event) else event
    uow = batch.current()
    if uow is not None:  # locked once for the whole batch
        locked = uow.event(pk)
    else:
        locked = (
            Event.objects.select_for_update(of=("self",))
            .select_related("competition__sport", "home", "away")
            .get(pk=pk)
        )
    if expected_version is not None and expected_version != locked.version:
        raise StaleEdit(
            f"this event changed since you opened it (you had version {expected_version}, "
            f"it is now {locked.version})",
            expected=expected_version,
            current=locked.version,
        )
    return locked


def commit_change(event: Event, *, kind: str, data: dict[str, Any], actor: Actor) -> Change:
    """Bump the version, save, and log the change: the last step of every event write."""
    event.version += 1
    event.updated_at = timezone.now()
    uow = batch.current()
    if uow is not None:  # written by the batch's flush
        return uow.stage_change(event, new_change(event=event, kind=kind, data=data, actor=actor))
    event.save()
    return append_change(event=event, kind=kind, data=data, actor=actor)


def score_of(event: Event) -> Score:
    return Score(
        home=event.home_score,
        away=event.away_score,
        period=event.period,
        periods=tuple(event.period_scores),
        state=event.state,
        finished=event.status == Status.FINISHED,
    )


def apply_score(event: Event, score: Score) -> None:
    event.home_score = score.home
    event.away_score = score.away
    event.period = score.period
    event.period_scores = list(score.periods)
    event.state = score.state


def clock_elapsed_now(event: Event, now: dt.datetime | None = None) -> int:
    if not event.clock_running or event.clock_anchor is None:
        return event.clock_elapsed
    now = now or timezone.now()
    return event.clock_elapsed + max(0, int((now - event.clock_anchor).total_seconds()))


def current_minute(event: Event, now: dt.datetime | None = None) -> int | None:
    """The match minute a scoreboard shows ("37'"), or None for untimed sports."""
    rules = rules_for(event.sport_kind)
    if not rules.has_clock or not event.period:
        return None
    period = rules.period(event.period)
    if period.shootout:
        return None
    return rules.minute_base(event.period) + clock_elapsed_now(event, now) // 60 + 1


def _stop_clock(event: Event, now: dt.datetime) -> None:
    event.clock_elapsed = clock_elapsed_now(event, now)
    event.clock_running = False
    event.clock_anchor = now


def _start_clock(event: Event, now: dt.datetime, *, elapsed: int | None = None) -> None:
    if elapsed is not None:
        event.clock_elapsed = elapsed
    event.clock_running = True
    event.clock_anchor = now


@transaction.atomic  # never batched
def create_event(
    *,
    competition: Competition,
    home: Team,
    away: Team,
    kickoff: dt.datetime,
    venue: str = "",
    best_of: int = 3,
    actor: Actor = SYSTEM,
) -> Event:
    if home.pk == away.pk:
        raise InvalidChange("an event needs two different teams")
    if home.sport_id != competition.sport_id or away.sport_id != competition.sport_id:
        raise InvalidChange("both teams must play the competition's sport")
    if timezone.is_naive(kickoff):
        raise InvalidChange("kick-off must be an aware datetime")
    rules = rules_for(competition.sport.kind)
    state = rules.initial_state(best_of=best_of) if competition.sport.kind == "tennis" else {}
    event = Event.objects.create(
        competition=competition, home=home, away=away, kickoff=kickoff, venue=venue, state=state
    )
    commit_change(event, kind="event_created", data={}, actor=actor)
    return event


@batch.write
def update_event_details(
    *,
    event: Event | int,
    kickoff: dt.datetime | None = None,
    venue: str | None = None,
    home: Team | None = None,
    away: Team | None = None,
    actor: Actor = SYSTEM,
    expected_version: int | None = None,
) -> Event:
    event = lock_event(event, expected_version=expected_version)
    changed: dict[str, Any] = {}
    previous: dict[str, Any] = {}
    if kickoff is not None and kickoff != event.kickoff:
        if timezone.is_naive(kickoff):
            raise InvalidChange("kick-off must be an aware datetime")
        # The page of the day it leaves hears of it too (live/topics.py).
        previous["kickoff"] = event.kickoff.isoformat()
        event.kickoff = kickoff
        changed["kickoff"] = kickoff.isoformat()
    if venue is not None and venue != event.venue:
        event.venue = venue
        changed["venue"] = venue
    for side, team in (("home", home), ("away", away)):
        if team is not None and team.pk != getattr(event, f"{side}_id"):
            if event.status != Status.SCHEDULED:
                raise InvalidChange("teams can only change before the event starts")
            if team.sport_id != event.competition.sport_id:
                raise InvalidChange("both teams must play the competition's sport")
            setattr(event, side, team)
            changed[side] = team.pk
    if event.home_id == event.away_id:
        raise InvalidChange("an event needs two different teams")
    if not changed:
        raise InvalidChange("nothing to change")
    data = {**changed, "from": previous} if previous else changed
    commit_change(event, kind="details", data=data, actor=actor)
    return event


@batch.write
def change_status(
    *,
    event: Event | int,
    status: str,
    period: str | None = None,
    actor: Actor = SYSTEM,
    expected_version: int | None = None,
) -> Event:
    """Move an event through its state machine; periods and the clock follow."""
    event = lock_event(event, expected_version=expected_version)
    check_transition(event.status, status)
    rules = rules_for(event.sport_kind)
    now = timezone.now()
    previous = {"status": event.status, "period": event.period}
    if status == Status.LIVE:
        if event.status == Status.SCHEDULED:
            new_period = period or rules.first_period()
            if new_period != rules.first_period():
                raise InvalidChange(f"an event starts in {rules.first_period()}")
        elif event.status == Status.BREAK:
            legal = rules.next_periods(score_of(event))
            if period is None:
                if not legal:
                    raise InvalidChange(
                        f"no period follows {event.period} at this score; finish it"
                    )
                new_period = legal[0]
            elif period in legal:
                new_period = period
            else:
                raise InvalidChange(
                    f"{period} cannot follow {event.period} at this score; "
                    f"allowed: {', '.join(legal) or 'none (finish the event)'}"
                )
        else:  # resuming after a suspension: same period
            new_period = event.period
        if new_period != event.period:
            event.period = new_period
            event.period_scores = list(
                score_of(event).with_period_points(new_period, "home", 0).periods
            )
            _start_clock(event, now, elapsed=0)
            batch.create_incident(
                event=event,
                kind=IncidentKind.PERIOD_START,
                period=new_period,
                minute=current_minute(event, now),
                detail=rules.period(new_period).label,
            )
        else:
            _start_clock(event, now)
        if not rules.has_clock:
            event.clock_running = False
    elif status in (Status.BREAK, Status.FINISHED, Status.SUSPENDED, Status.ABANDONED):
        if status == Status.FINISHED:
            score = score_of(event)
            rules.check_can_finish(score)
            apply_score(event, rules.final_score(score))
            event.winner = rules.winner(score) or ""
        if event.status == Status.LIVE and status in (Status.BREAK, Status.FINISHED):
            batch.create_incident(
                event=event,
                kind=IncidentKind.PERIOD_END,
                period=event.period,
                minute=current_minute(event, now),
                detail=rules.period(event.period).label,
            )
        _stop_clock(event, now)
    elif period:
        raise InvalidChange("a period can only be given when an event goes live")
    event.status = status
    commit_change(
        event,
        kind="status",
        data={"from": previous, "to": {"status": event.status, "period": event.period}},
        actor=actor,
    )
    return event


@batch.write
def set_clock(
    *,
    event: Event | int,
    running: bool,
    elapsed: int | None = None,
    actor: Actor = SYSTEM,
    expected_version: int | None = None,
) -> Event:
    """Start, stop or correct the match clock (elapsed seconds in the current period)."""
    event = lock_event(event, expected_version=expected_version)
    if event.status != Status.LIVE:
        raise InvalidChange("the clock only runs while an event is live")
    if not rules_for(event.sport_kind).has_clock:
        raise InvalidChange(f"{event.competition.sport.name} has no match clock")
    if elapsed is not None and elapsed < 0:
        raise InvalidChange("elapsed time cannot be negative")
    now = timezone.now()
    if running:
        _start_clock(event, now, elapsed=elapsed)
    else:
        _stop_clock(event, now)
        if elapsed is not None:
            event.clock_elapsed = elapsed
    commit_change(
        event,
        kind="clock",
        data={"running": event.clock_running, "elapsed": event.clock_elapsed},
        actor=actor,
    )
    return event


@batch.write
def record_score(
    *,
    event: Event | int,
    side: str,
    points: int = 1,
    kind: str = IncidentKind.GOAL,
    player: str = "",
    minute: int | None = None,
    detail: str = "",
    actor: Actor = SYSTEM,
    expected_version: int | None = None,
) -> Event:
    """Score for `side` in the current period (a goal, a basket, a tennis point).

    Team sports also get a timeline incident for the score, in the same change.
    """
    event = lock_event(event, expected_version=expected_version)
    if event.status != Status.LIVE:
        raise InvalidChange("scores can only be recorded while an event is live")
    rules = rules_for(event.sport_kind)
    score = rules.add_points(score_of(event), side=side, points=points)
    apply_score(event, score)
    data: dict[str, Any] = {"side": side, "points": points}
    if event.sport_kind != "tennis":
        incident_kind = kind if kind in SCORING_KINDS else IncidentKind.POINTS
        if event.sport_kind == "basketball":
            incident_kind = IncidentKind.POINTS
        incident = batch.create_incident(
            event=event,
            kind=incident_kind,
            period=event.period,
            minute=minute if minute is not None else current_minute(event),
            side=side,
            team=event.home if side == "home" else event.away,
            player=player,
            detail=detail,
            points=points,
        )
        data["incident"] = incident_data(incident)
    if score.finished:
        event.status = Status.FINISHED
        event.winner = rules.winner(score) or ""
        _stop_clock(event, timezone.now())
        data["finished"] = True
    commit_change(event, kind="score", data=data, actor=actor)
    return event


@batch.write
def set_score(
    *,
    event: Event | int,
    home: int,
    away: int,
    reason: str,
    actor: Actor = SYSTEM,
    expected_version: int | None = None,
) -> Event:
    """Correct the headline score by hand (the difference is booked to the current period)."""
    event = lock_event(event, expected_version=expected_version)
    if not reason.strip():
        raise InvalidChange("a score correction needs a reason")
    if home < 0 or away < 0:
        raise InvalidChange("a score cannot go below zero")
    if (home, away) == (event.home_score, event.away_score):
        raise InvalidChange("the score is already that")
    score = score_of(event)
    if score.period:
        for side, new in zip(SIDES, (home, away), strict=True):
            delta = new - getattr(score, side)
            if delta:
                score = score.with_period_points(score.period, side, delta)
    apply_score(event, replace(score, home=home, away=away))
    commit_change(
        event,
        kind="score_corrected",
        data={"home": home, "away": away, "reason": reason},
        actor=actor,
    )
    return event


def incident_data(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.pk,
        "kind": incident.kind,
        "period": incident.period,
        "minute": incident.minute,
        "added_time": incident.added_time,
        "side": incident.side,
        "player": incident.player,
        "detail": incident.detail,
        "points": incident.points,
        "cancelled": incident.cancelled,
        "cancel_reason": incident.cancel_reason,
    }
