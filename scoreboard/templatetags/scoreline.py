"""Display helpers for scores, clocks and statuses.

The browser re-computes the clock every second from the same `data-clock-*` values
(static/js/live.js); the server renders the first value so pages read well without
JavaScript.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from scoreboard.lru import keep
from scoreboard.models import Event, Incident, IncidentKind, Status
from scoreboard.rules import Score, rules_for
from scoreboard.rules.tennis import TennisRules

register = template.Library()

SCORE_SEP = " \u2013 "  # en dash, as printed scores use

# A goal stays marked on its row this long after it was scored.
GOAL_MARK_SECONDS = 90

_SHORT_STATUS = {
    Status.POSTPONED: "Postp.",
    Status.SUSPENDED: "Susp.",
    Status.CANCELLED: "Canc.",
    Status.ABANDONED: "Aband.",
}
_FINISHED_AFTER = {"ET1": "AET", "ET2": "AET", "PEN": "Pen", "OT": "OT", "SO": "SO"}


def _elapsed(event: Event, now: dt.datetime) -> int:
    if not event.clock_running or event.clock_anchor is None:
        return event.clock_elapsed
    return event.clock_elapsed + max(0, int((now - event.clock_anchor).total_seconds()))


@register.simple_tag
def clock_attrs(event: Event) -> dict[str, Any]:
    """What the browser needs to tick the clock (see the contract's data-clock-*)."""
    rules = rules_for(event.sport_kind)
    period = None
    if rules.has_clock and event.period:
        period = rules.period(event.period)
    return {
        "has_clock": bool(period and not period.shootout),
        "running": event.clock_running,
        "elapsed": event.clock_elapsed,
        "anchor": event.clock_anchor.isoformat() if event.clock_anchor else "",
        "minute_base": rules.minute_base(event.period) if period else 0,
        "period_seconds": period.minutes * 60 if period else 0,
        "down": rules.clock_counts_down,
    }


def clock_text(event: Event, now: dt.datetime | None = None) -> str:
    """The running clock as a scoreboard shows it: 37', 45+2', Q3 05:12, Set 2."""
    rules = rules_for(event.sport_kind)
    if not event.period:
        return ""
    if not rules.has_clock:
        return rules.period(event.period).label
    period = rules.period(event.period)
    if period.shootout:
        return "Pens" if event.sport_kind == "football" else "SO"
    elapsed = _elapsed(event, now or timezone.now())
    length = period.minutes * 60
    if rules.clock_counts_down:
        left = max(0, length - elapsed)
        return f"{event.period} {left // 60:02d}:{left % 60:02d}"
    base = rules.minute_base(event.period)
    if length and elapsed >= length:
        if event.sport_kind == "football":  # stoppage time: 45+2'
            return f"{base + period.minutes}+{(elapsed - length) // 60 + 1}'"
        elapsed = length - 1  # other clocks stop at the period's end
    prefix = f"{event.period} " if event.sport_kind == "ice_hockey" else ""
    return f"{prefix}{base + elapsed // 60 + 1}'"


@register.simple_tag
def kickoff_label(event: Event) -> str:
    """Kick-off time in the active zone; with the date when it is not today."""
    local = timezone.localtime(event.kickoff)
    if local.date() == timezone.localdate():
        return local.strftime("%H:%M")
    return f"{local.day} {local:%b}\n{local:%H:%M}"


@register.simple_tag
def status_text(event: Event) -> str:
    """The status cell of a row: minute when live, HT, FT, or a short status."""
    if event.status == Status.LIVE:
        return clock_text(event)
    if event.status == Status.BREAK:
        if event.sport_kind == "football":
            return "HT" if event.period == "1H" else "Break"
        return f"End {event.period}" if event.period else "Break"
    if event.status == Status.FINISHED:
        return _FINISHED_AFTER.get(event.period, "AOT" if event.period.startswith("OT") else "FT")
    return _SHORT_STATUS.get(event.status, "")


@register.filter
def period_label(event: Event, code: str | None = None) -> str:
    code = event.period if code is None else code
    if not code:
        return ""
    try:
        return rules_for(event.sport_kind).period(code).label
    except Exception:  # an unknown code from old data: show it as is
        return code


@register.filter
def period_short(code: str) -> str:
    return {"1H": "1st", "2H": "2nd", "ET1": "ET1", "ET2": "ET2", "PEN": "Pen"}.get(code, code)


@register.simple_tag
def tennis_state(event: Event) -> dict[str, Any]:
    """Current game points ("AD" included), the server and whether a tie-break runs."""
    state = event.state or {}
    score = Score(
        home=event.home_score,
        away=event.away_score,
        period=event.period,
        periods=tuple(event.period_scores),
        state=state,
    )
    home, away = TennisRules().point_display(score)
    in_play = event.status in (Status.LIVE, Status.BREAK)
    return {
        "home": home,
        "away": away,
        "server": state.get("server", "") if in_play else "",
        "tiebreak": bool(state.get("tiebreak")) and in_play,
        "in_play": in_play,
    }


@register.simple_tag
def goal_mark_until(event: Event) -> str:
    """ISO time until which the row shows a goal mark, or "" if no recent goal."""
    last = getattr(event, "last_goal_at", None)
    if last is None or event.status not in (Status.LIVE, Status.BREAK):
        return ""
    until = last + dt.timedelta(seconds=GOAL_MARK_SECONDS)
    return until.isoformat() if until > timezone.now() else ""


@register.simple_tag
def disallowed_until(event: Event) -> str:
    """ISO time until which a goal taken back shows "Goal disallowed" (as long as a new
    goal shows "Goal"), or "" if none is that recent."""
    cancelled = getattr(event, "last_disallowed_at", None)
    if cancelled is None or event.status not in (Status.LIVE, Status.BREAK):
        return ""
    last_goal = getattr(event, "last_goal_at", None)
    if last_goal is not None and last_goal > cancelled:
        return ""  # a newer goal counts: the row says "Goal"
    until = cancelled + dt.timedelta(seconds=GOAL_MARK_SECONDS)
    return until.isoformat() if until > timezone.now() else ""


@register.filter
def incident_icon(incident: Incident) -> str:
    return {
        IncidentKind.GOAL: "goal",
        IncidentKind.OWN_GOAL: "goal",
        IncidentKind.PENALTY_GOAL: "goal",
        IncidentKind.POINTS: "points",
        IncidentKind.YELLOW_CARD: "yellow",
        IncidentKind.RED_CARD: "red",
        IncidentKind.SUBSTITUTION: "sub",
        IncidentKind.PENALTY_MISSED: "miss",
        IncidentKind.PENALTY: "pim",
        IncidentKind.VAR: "var",
        IncidentKind.NOTE: "note",
    }.get(incident.kind, "note")


@register.filter
def incident_minute(incident: Incident) -> str:
    if incident.minute is None:
        return ""
    if incident.added_time:
        return f"{incident.minute}+{incident.added_time}'"
    return f"{incident.minute}'"


@register.filter
def is_period_marker(incident: Incident) -> bool:
    return incident.kind in (IncidentKind.PERIOD_START, IncidentKind.PERIOD_END)


@register.filter
def iso(value: dt.datetime | None) -> str:
    return value.isoformat() if value else ""


@register.filter
def winner_side(event: Event) -> str:
    return event.winner if event.status == Status.FINISHED else ""


def timeline_entries(event: Event) -> list[dict[str, Any]]:
    """The timeline in play order, each scoring entry with the score it made and each
    period marker labelled ("Half-time", "End of Q3") with the score at that point."""
    # prefetched, in creation order
    return timeline_entries_of(event, event.incidents.all(), {"home": 0, "away": 0})


def timeline_entries_of(
    event: Event, incidents: Iterable[Incident], totals: dict[str, int]
) -> list[dict[str, Any]]:
    """`timeline_entries` of these incidents, following on from the running score
    `totals` (updated in place: after the call it is the score after them)."""
    rules = rules_for(event.sport_kind)
    entries: list[dict[str, Any]] = []
    for incident in incidents:
        entry: dict[str, Any] = {"incident": incident, "marker": "", "score": ""}
        shootout = False
        if incident.period:
            try:
                shootout = rules.period(incident.period).shootout
            except Exception:  # an unknown period code from old data
                shootout = False
        if incident.kind == IncidentKind.PERIOD_START:
            entry["marker"] = f"Start of {_lower_first(incident.detail or incident.period)}"
        elif incident.kind == IncidentKind.PERIOD_END:
            label = incident.detail or incident.period
            entry["marker"] = (
                "Half-time"
                if event.sport_kind == "football" and incident.period == "1H"
                else f"End of {_lower_first(label)}"
            )
            entry["score"] = f"{totals['home']}{SCORE_SEP}{totals['away']}"
        elif incident.points and incident.side in totals:
            if not incident.cancelled and not shootout:
                totals[incident.side] += incident.points
            entry["score"] = f"{totals['home']}{SCORE_SEP}{totals['away']}"
        entries.append(entry)
    return entries


@register.simple_tag
def timeline_items(event: Event) -> SafeString:
    """The timeline's `<li>`s: kept by the publisher (`live.timelines`) if it attached
    them, else rendered from the prefetched incidents."""
    kept = getattr(event, "timeline_items", None)
    if kept is not None:
        return kept
    return mark_safe("".join(timeline_entry(entry) for entry in timeline_entries(event)))


# Rendered timeline entries kept per process (LRU): ~1.7 KB each with its key, so at most
# ~17 MB; 200 live matches of 50 entries.
TIMELINE_ENTRIES_KEPT = 10_000
_entry_html: OrderedDict[tuple, SafeString] = OrderedDict()
_entry_html_lock = threading.Lock()


@register.simple_tag
def timeline_entry(entry: dict[str, Any]) -> SafeString:
    """One timeline `<li>`, rendered once for as long as what it shows stays the same.

    Page loads, healing fetches and the publisher's full re-renders (after a correction,
    live/timelines.py) show whole timelines whose entries are mostly what they were. The
    key holds everything the entry shows: the incident's columns, its team's name, its
    marker and score.
    """
    incident = entry["incident"]
    team = incident.team.name if incident.team_id else None
    columns = tuple(getattr(incident, f.attname) for f in incident._meta.concrete_fields)
    key = (get_language(), entry["marker"], entry["score"], team, columns)
    with _entry_html_lock:
        html = _entry_html.get(key)
        if html is not None:
            _entry_html.move_to_end(key)
            return html
    html = mark_safe(render_to_string("scoreboard/partials.html#timeline-entry", {"entry": entry}))
    with _entry_html_lock:
        keep(_entry_html, key, html, TIMELINE_ENTRIES_KEPT)
    return html


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text
