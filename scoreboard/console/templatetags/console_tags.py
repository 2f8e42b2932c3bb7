"""Small template helpers for the console's cards and panel."""

from __future__ import annotations

from django import template

from scoreboard import services
from scoreboard.errors import InvalidChange
from scoreboard.models import Change, Event
from scoreboard.rules import rules_for

from ..describe import describe_change

register = template.Library()


@register.inclusion_tag("console/partials/clock.html")
def clock(event: Event) -> dict:
    """The data the browser needs to tick the clock (docs/ARCHITECTURE.md, "Live delivery")."""
    rules = rules_for(event.sport_kind)
    seconds = 0
    label = ""
    if event.period:
        try:
            period = rules.period(event.period)
        except InvalidChange:
            period = None
        if period is not None:
            seconds = period.minutes * 60
            label = period.label
    elapsed = services.clock_elapsed_now(event)
    base = rules.minute_base(event.period) if event.period else 0
    shown = max(0, seconds - elapsed) if rules.clock_counts_down else base * 60 + elapsed
    return {
        "event": event,
        "text": f"{shown // 60}:{shown % 60:02d}",
        "has_clock": rules.has_clock and bool(event.period) and event.status == "live",
        "minute_base": base,
        "clock_down": rules.clock_counts_down,
        "period_seconds": seconds,
        "period_label": label,
    }


@register.filter
def describe(change: Change) -> str:
    return describe_change(change)


@register.filter
def actor_label(change: Change) -> str:
    """Who made a change: the user, else the feed provider."""
    if change.user_id is not None:
        return change.user.get_username()
    return change.source_detail or "-"


@register.filter
def sport_kind(event: Event) -> str:
    return event.sport_kind
