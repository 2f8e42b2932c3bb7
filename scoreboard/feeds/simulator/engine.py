"""Realistic matches, played on a game clock (pure: no database, no network).

`SimMatch.play()` yields `(game_seconds, snapshot)` after every happening: kick-off,
goals, cards, baskets, points, period ends. Snapshots use the provider format of
`scoreboard.feeds.messages`. The simulator's own record of the truth is the last
snapshot (`match.snapshot()` once finished).

`short=True` plays a quick format for tests and demos (the same rules, fewer messages):
basketball scores about six times a quarter instead of ~25, and tennis is a best-of-3
where the home player wins ~68% of the points (~70-90 points instead of ~150). Football
and ice hockey are short already (10-25 messages a match).
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from typing import Any

from scoreboard.rules import Score, rules_for

PLAYERS = (
    "A. Silva", "B. Okafor", "C. Jensen", "D. Moreau", "E. Rossi", "F. Novak", "G. Tanaka",
    "H. Müller", "I. Kowalski", "J. García", "K. Mensah", "L. Duarte", "M. Lindqvist",
)  # fmt: skip


class SimMatch:
    def __init__(
        self, *, match_id: str, sport: str, rng: random.Random, short: bool = False
    ) -> None:
        self.match_id = match_id
        self.short = short
        self.sport = sport
        self.rng = rng
        self.status = "scheduled"
        self.period = ""
        self.home = self.away = 0
        self.period_scores: list[dict[str, Any]] = []
        self.incidents: list[dict[str, Any]] = []
        self.points = ""  # tennis: who won each point
        self.clock_running = False
        self.period_start = 0.0  # game seconds when the current period started
        self.now = 0.0
        self.seq = 0
        self.tennis = Score(period="", state=rules_for("tennis").initial_state(best_of=3))

    # The provider's message --------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        self.seq += 1
        message: dict[str, Any] = {
            "id": f"{self.match_id}-{self.seq}",
            "seq": self.seq,
            "ts": time.time(),
            "match": self.match_id,
            "status": self.status,
            "period": self.period,
            "score": {"home": self.home, "away": self.away},
            "clock": {
                "running": self.clock_running,
                "elapsed": int(self.now - self.period_start) if self.clock_running else 0,
            },
            "incidents": [dict(i) for i in self.incidents],
        }
        if self.sport == "tennis":
            message["points"] = self.points
        return message

    def truth(self) -> dict[str, Any]:
        """The final state, as tests compare it."""
        return {
            "status": self.status,
            "home": self.home,
            "away": self.away,
            "period": self.period,
            "period_scores": self.period_scores,
            "incidents": [i for i in self.incidents if not i["cancelled"]],
            "points": self.points,
        }

    # Helpers ----------------------------------------------------------------------------
    def _start_period(self, code: str) -> None:
        self.status, self.period, self.clock_running = "live", code, True
        self.period_start = self.now
        self.period_scores.append({"period": code, "home": 0, "away": 0})

    def _end_period(self, final: bool) -> None:
        self.status = "finished" if final else "break"
        self.clock_running = False

    def _incident(
        self, kind: str, side: str, minute: int, points: int = 0, detail: str = ""
    ) -> dict:
        incident = {
            "id": f"{self.match_id}-i{len(self.incidents) + 1}",
            "kind": kind,
            "period": self.period,
            "minute": minute,
            "side": side,
            "player": self.rng.choice(PLAYERS),
            "points": points,
            "detail": detail,
            "cancelled": False,
        }
        self.incidents.append(incident)
        if points:
            self._score(side, points)
        return incident

    def _score(self, side: str, points: int) -> None:
        setattr(self, side, getattr(self, side) + points)
        self.period_scores[-1][side] += points

    def _side(self) -> str:
        return "home" if self.rng.random() < 0.52 else "away"

    def _moments(self, count: int, length_s: float) -> list[float]:
        return sorted(self.rng.uniform(5, length_s - 5) for _ in range(count))

    def _poisson(self, mean: float) -> int:
        # Knuth's method: fine for the small means of sports scores.
        limit, k, p = pow(2.718281828, -mean), 0, 1.0
        while True:
            p *= self.rng.random()
            if p <= limit:
                return k
            k += 1

    # Playing ----------------------------------------------------------------------------
    def play(self) -> Iterator[tuple[float, dict[str, Any]]]:
        yield self.now, self.snapshot()  # the fixture, before kick-off
        yield from {
            "football": self._football,
            "basketball": self._basketball,
            "ice_hockey": self._hockey,
            "tennis": self._tennis,
        }[self.sport]()

    def _timed_period(
        self, code: str, minutes: int, base_minute: int, happenings: list[tuple[float, Any]]
    ) -> Iterator[tuple[float, dict]]:
        self._start_period(code)
        yield self.now, self.snapshot()
        start = self.now
        for offset, happen in sorted(happenings, key=lambda h: h[0]):
            self.now = start + offset
            if happen(base_minute + int(offset // 60) + 1):
                yield self.now, self.snapshot()
        self.now = start + minutes * 60

    def _football(self) -> Iterator[tuple[float, dict]]:
        for index, code in enumerate(("1H", "2H")):
            goals = self._moments(self._poisson(1.35), 2700)
            happenings = [(t, self._goal) for t in goals]
            # Now and then a goal is ruled out on review a minute and a half later.
            happenings += [(t + 90, self._var) for t in goals if self.rng.random() < 0.1]
            happenings += [(t, self._card) for t in self._moments(self._poisson(2.0), 2700)]
            if code == "2H":
                happenings += [(t, self._sub) for t in self._moments(self._poisson(4.0), 2700)]
            yield from self._timed_period(code, 45, 45 * index, happenings)
            self._end_period(final=code == "2H")
            yield self.now, self.snapshot()
            self.now += 900

    def _goal(self, minute: int) -> bool:
        self._incident("goal", self._side(), minute, points=1)
        return True

    def _var(self, minute: int) -> bool:
        for goal in reversed(self.incidents):
            if goal["kind"] == "goal" and not goal["cancelled"]:
                goal["cancelled"] = True
                self._score(goal["side"], -1)
                return True
        return False

    def _card(self, minute: int) -> bool:
        kind = "red_card" if self.rng.random() < 0.06 else "yellow_card"
        self._incident(kind, self._side(), minute)
        return True

    def _sub(self, minute: int) -> bool:
        self._incident("substitution", self._side(), minute, detail="tactical")
        return True

    def _basketball(self) -> Iterator[tuple[float, dict]]:
        codes = ["Q1", "Q2", "Q3", "Q4"]
        overtime = 0
        while codes:
            code = codes.pop(0)
            length = 720 if code.startswith("Q") else 300
            base = (int(code[1]) - 1) * 12 if code.startswith("Q") else 48 + 5 * (overtime - 1)
            plays = self._moments(int(length / (120 if self.short else 28)), length)
            happenings = [(t, self._basket) for t in plays]
            yield from self._timed_period(code, length // 60, base, happenings)
            if (code == "Q4" or code.startswith("OT")) and self.home == self.away:
                if overtime >= 3:  # settle it with a last-second basket
                    self.now -= 1
                    self._basket(base + length // 60)
                    yield self.now, self.snapshot()
                else:
                    overtime += 1
                    codes.append(f"OT{overtime}")
            self._end_period(final=not codes)
            yield self.now, self.snapshot()
            self.now += 900 if code == "Q2" else 120

    def _basket(self, minute: int) -> bool:
        roll = self.rng.random()
        points = 3 if roll < 0.25 else (1 if roll < 0.4 else 2)
        self._incident("points", self._side(), minute, points=points)
        return True

    def _hockey(self) -> Iterator[tuple[float, dict]]:
        for index, code in enumerate(("P1", "P2", "P3")):
            happenings = [(t, self._puck) for t in self._moments(self._poisson(1.0), 1200)]
            happenings += [(t, self._penalty) for t in self._moments(self._poisson(1.5), 1200)]
            yield from self._timed_period(code, 20, 20 * index, happenings)
            decided = code == "P3" and self.home != self.away
            self._end_period(final=decided)
            yield self.now, self.snapshot()
            self.now += 1020
        if self.status != "finished":
            # Sudden-death overtime: the first goal wins it.
            when = self.rng.uniform(10, 290)
            yield from self._timed_period("OT", 5, 60, [(when, self._puck)])
            self.now = self.now - 300 + when
            self._end_period(final=True)
            yield self.now, self.snapshot()

    def _puck(self, minute: int) -> bool:
        self._incident("goal", self._side(), minute, points=1)
        return True

    def _penalty(self, minute: int) -> bool:
        self._incident("penalty", self._side(), minute, detail="2 min")
        return True

    def _tennis(self) -> Iterator[tuple[float, dict]]:
        rules = rules_for("tennis")
        self.status, self.period = "live", "S1"
        self.tennis = Score(period="S1", periods=({"period": "S1", "home": 0, "away": 0},),
                            state=rules.initial_state(best_of=3))  # fmt: skip
        self.period_scores = [dict(row) for row in self.tennis.periods]
        yield self.now, self.snapshot()
        while not self.tennis.finished:
            self.now += self.rng.uniform(25, 50)
            server = self.tennis.state["server"]
            receiver = "away" if server == "home" else "home"
            if self.short:  # a clear favourite: straight sets, few deuces
                side = "home" if self.rng.random() < 0.68 else "away"
            else:
                side = server if self.rng.random() < 0.62 else receiver
            self.points += "H" if side == "home" else "A"
            self.tennis = rules.add_points(self.tennis, side=side, points=1)
            self.home, self.away = self.tennis.home, self.tennis.away
            self.period = self.tennis.period
            self.period_scores = [dict(row) for row in self.tennis.periods]
            if self.tennis.finished:
                self.status = "finished"
            yield self.now, self.snapshot()
