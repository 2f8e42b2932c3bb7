"""Tennis: points, games, sets, tie-breaks and the server.

The headline score counts sets; `periods` holds games per set; `state` holds the
current game's points, the server and whether a tie-break is being played.
"""

from __future__ import annotations

from dataclasses import replace

from scoreboard.errors import InvalidChange

from .base import HOME, SIDES, Period, Score, SportRules, other

POINT_NAMES = ("0", "15", "30", "40")


class TennisRules(SportRules):
    kind = "tennis"
    periods = tuple(Period(f"S{n}", f"Set {n}") for n in range(1, 6))
    has_clock = False
    can_draw = False

    def initial_state(self, best_of: int = 3, server: str = HOME) -> dict:
        return {"best_of": best_of, "points": [0, 0], "server": server, "tiebreak": False}

    def next_periods(self, score: Score) -> list[str]:
        return []  # sets advance by themselves when one is won

    def add_points(self, score: Score, *, side: str, points: int) -> Score:
        """Tennis is scored point by point: `points` must be 1 (a point won)."""
        if side not in SIDES:
            raise InvalidChange(f"side must be home or away, not {side!r}")
        if points != 1:
            raise InvalidChange("tennis is scored one point at a time")
        if not score.period:
            raise InvalidChange("the match has not started")
        if score.finished:
            raise InvalidChange("the match is over")
        state = {**self.initial_state(), **score.state}
        state["points"] = list(state["points"])
        i = SIDES.index(side)
        state["points"][i] += 1
        mine, theirs = state["points"][i], state["points"][1 - i]
        target = 7 if state["tiebreak"] else 4
        if mine >= target and mine - theirs >= 2:
            return self._win_game(replace(score, state=state), side)
        # Tie-break: serve changes after the first point, then every two points.
        if state["tiebreak"] and (mine + theirs) % 2 == 1:
            state["server"] = other(state["server"])
        return replace(score, state=state)

    def _win_game(self, score: Score, side: str) -> Score:
        state = dict(score.state)
        was_tiebreak = state["tiebreak"]
        new = score.with_period_points(score.period, side, 1)
        games_home, games_away = new.period_total(score.period)
        mine, theirs = (games_home, games_away) if side == HOME else (games_away, games_home)
        state["points"] = [0, 0]
        set_won = was_tiebreak or (mine >= 6 and mine - theirs >= 2)
        if was_tiebreak:
            # The player who received first in the tie-break serves the next set.
            state["server"] = other(state["tiebreak_first_server"])
            state["tiebreak"] = False
        else:
            state["server"] = other(state["server"])
        if not set_won:
            if games_home == 6 and games_away == 6:
                state["tiebreak"] = True
                state["tiebreak_first_server"] = state["server"]
            return replace(new, state=state)
        sets = getattr(new, side) + 1
        new = replace(new, **{side: sets}, state=state)
        if sets * 2 > state["best_of"]:
            return replace(new, finished=True)
        next_set = f"S{int(score.period[1:]) + 1}"
        return replace(new, period=next_set).with_period_points(next_set, side, 0)

    def point_display(self, score: Score) -> tuple[str, str]:
        """The current game's score as a scoreboard shows it ("40", "AD", or tie-break digits)."""
        state = {**self.initial_state(), **score.state}
        home, away = state["points"]
        if state["tiebreak"]:
            return str(home), str(away)
        if home >= 3 and away >= 3:
            if home == away:
                return "40", "40"
            return ("AD", "40") if home > away else ("40", "AD")
        return POINT_NAMES[min(home, 3)], POINT_NAMES[min(away, 3)]
