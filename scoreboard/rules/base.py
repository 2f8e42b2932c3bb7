"""The one small interface every sport's scoring rules implement.

Rules are pure: they take a `Score` and return a new one, never touching the
database, so each sport is testable on its own and the service layer stays generic.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import ClassVar

from scoreboard.errors import InvalidChange

HOME, AWAY = "home", "away"
SIDES = (HOME, AWAY)


def other(side: str) -> str:
    return AWAY if side == HOME else HOME


@dataclass(frozen=True)
class Period:
    code: str
    label: str
    minutes: int = 0  # regulation length; 0 for untimed periods (shoot-outs, sets)
    shootout: bool = False


@dataclass(frozen=True)
class Score:
    """Everything about an event's score that rules read and write."""

    home: int = 0
    away: int = 0
    period: str = ""
    # [{"period": "1H", "home": 1, "away": 0}, ...]
    periods: tuple[dict, ...] = ()
    state: dict = field(default_factory=dict)
    # Rules that end an event by themselves (tennis) set this; others are ended by staff/feed.
    finished: bool = False

    def period_total(self, code: str) -> tuple[int, int]:
        for row in self.periods:
            if row["period"] == code:
                return row["home"], row["away"]
        return 0, 0

    def with_period_points(self, code: str, side: str, points: int) -> Score:
        rows = [dict(row) for row in self.periods]
        for row in rows:
            if row["period"] == code:
                break
        else:
            row = {"period": code, "home": 0, "away": 0}
            rows.append(row)
        row[side] = row[side] + points
        if row[side] < 0:
            raise InvalidChange(f"{side} score in {code} cannot go below zero")
        return replace(self, periods=tuple(rows))


class SportRules:
    kind: ClassVar[str]
    periods: ClassVar[tuple[Period, ...]]
    allowed_points: ClassVar[frozenset[int]] = frozenset({1})
    clock_counts_down: ClassVar[bool] = False
    has_clock: ClassVar[bool] = True
    can_draw: ClassVar[bool] = True

    def period(self, code: str) -> Period:
        for period in self.periods:
            if period.code == code:
                return period
        raise InvalidChange(f"unknown period {code!r} for {self.kind}")

    def first_period(self) -> str:
        return self.periods[0].code

    def next_periods(self, score: Score) -> list[str]:
        """Periods that may legally follow the current one, the usual one first."""
        codes = [p.code for p in self.periods]
        index = codes.index(score.period)
        return codes[index + 1 : index + 2]

    def minute_base(self, code: str) -> int:
        """Minutes played before `code` starts, for a running match clock."""
        total = 0
        for period in self.periods:
            if period.code == code:
                return total
            total += period.minutes
        return total

    def initial_state(self) -> dict:
        return {}

    def add_points(self, score: Score, *, side: str, points: int) -> Score:
        """Score `points` for `side` in the current period."""
        if side not in SIDES:
            raise InvalidChange(f"side must be home or away, not {side!r}")
        if points not in self.allowed_points and -points not in self.allowed_points:
            allowed = ", ".join(str(p) for p in sorted(self.allowed_points))
            raise InvalidChange(f"{self.kind} scores {allowed} at a time, not {points}")
        if not score.period:
            raise InvalidChange("the event has not started")
        new = score.with_period_points(score.period, side, points)
        if self.period(score.period).shootout:
            return new  # shoot-out kicks decide the winner, not the match score
        total = getattr(new, side) + points
        if total < 0:
            raise InvalidChange("a score cannot go below zero")
        return replace(new, **{side: total})

    def check_can_finish(self, score: Score) -> None:
        if not self.can_draw and self.winner(score) is None:
            raise InvalidChange(f"a {self.kind} match cannot finish level")

    def winner(self, score: Score) -> str | None:
        if score.period and self.period(score.period).shootout:
            home, away = score.period_total(score.period)
        else:
            home, away = score.home, score.away
        if home == away:
            return None
        return HOME if home > away else AWAY

    def final_score(self, score: Score) -> Score:
        """Adjust the score when the event finishes (e.g. hockey's shoot-out goal)."""
        return score
