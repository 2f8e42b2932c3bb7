"""Scoring rules per sport, behind one small interface (`SportRules`)."""

from __future__ import annotations

from .base import AWAY, HOME, SIDES, Period, Score, SportRules
from .team_sports import BasketballRules, FootballRules, IceHockeyRules
from .tennis import TennisRules

_RULES: dict[str, SportRules] = {
    rules.kind: rules
    for rules in (FootballRules(), BasketballRules(), IceHockeyRules(), TennisRules())
}


def rules_for(kind: str) -> SportRules:
    try:
        return _RULES[kind]
    except KeyError:
        raise ValueError(f"no scoring rules for sport kind {kind!r}") from None


__all__ = ["AWAY", "HOME", "SIDES", "Period", "Score", "SportRules", "rules_for"]
