"""Football, basketball and ice hockey: timed periods, overtime, shoot-outs."""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from .base import Period, Score, SportRules


class FootballRules(SportRules):
    kind = "football"
    periods = (
        Period("1H", "1st half", 45),
        Period("2H", "2nd half", 45),
        Period("ET1", "Extra time 1st half", 15),
        Period("ET2", "Extra time 2nd half", 15),
        Period("PEN", "Penalty shoot-out", shootout=True),
    )

    def next_periods(self, score: Score) -> list[str]:
        level = score.home == score.away
        following = {
            "1H": ["2H"],
            "2H": ["ET1", "PEN"] if level else [],
            "ET1": ["ET2"],
            "ET2": ["PEN"] if level else [],
            "PEN": [],
        }
        return following[score.period]


class BasketballRules(SportRules):
    kind = "basketball"
    max_overtimes: ClassVar[int] = 9
    periods = (
        Period("Q1", "1st quarter", 12),
        Period("Q2", "2nd quarter", 12),
        Period("Q3", "3rd quarter", 12),
        Period("Q4", "4th quarter", 12),
        *(Period(f"OT{n}", f"Overtime {n}", 5) for n in range(1, max_overtimes + 1)),
    )
    allowed_points = frozenset({1, 2, 3})
    clock_counts_down = True
    can_draw = False

    def next_periods(self, score: Score) -> list[str]:
        if score.period in ("Q1", "Q2", "Q3"):
            return [f"Q{int(score.period[1]) + 1}"]
        if score.home != score.away:
            return []
        overtime = 1 if score.period == "Q4" else int(score.period[2:]) + 1
        return [f"OT{overtime}"] if overtime <= self.max_overtimes else []


class IceHockeyRules(SportRules):
    kind = "ice_hockey"
    periods = (
        Period("P1", "1st period", 20),
        Period("P2", "2nd period", 20),
        Period("P3", "3rd period", 20),
        Period("OT", "Overtime", 5),
        Period("SO", "Shoot-out", shootout=True),
    )
    can_draw = False

    def next_periods(self, score: Score) -> list[str]:
        level = score.home == score.away
        following = {
            "P1": ["P2"],
            "P2": ["P3"],
            "P3": ["OT"] if level else [],
            "OT": ["SO"] if level else [],
            "SO": [],
        }
        return following[score.period]

    def final_score(self, score: Score) -> Score:
        # League convention: the shoot-out winner is credited one goal in the final score.
        if score.period == "SO":
            winner = self.winner(score)
            if winner:
                return replace(score, **{winner: getattr(score, winner) + 1})
        return score
