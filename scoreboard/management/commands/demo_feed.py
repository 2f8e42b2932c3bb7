"""A small demo feed for `make run`: keeps a few events moving, through the services.

Every `--interval` seconds it applies one plausible change to a live event (a goal, a
card, a basket, a tennis point, a period change), and now and then starts a scheduled
event or finishes a live one so several stay live. Changes are logged as source=feed,
detail="demo". The ingestion simulator (scoreboard.feeds) is the real thing; this is a
stand-in that needs nothing but the database.
"""

from __future__ import annotations

import logging
import random
import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections

from scoreboard import services
from scoreboard.demo import (
    FEED_ACTOR,
    basket,
    card,
    goal,
    hockey_penalty,
    substitution,
    tennis_point,
)
from scoreboard.errors import DomainError
from scoreboard.models import Event, Status
from scoreboard.rules import rules_for

logger = logging.getLogger(__name__)

# Keep the board lively but not crowded.
MIN_LIVE, MAX_LIVE = 6, 14


class Command(BaseCommand):
    help = "Apply plausible live changes to demo events every couple of seconds."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--interval", type=float, default=2.0, help="seconds between ticks")
        parser.add_argument("--seconds", type=float, default=0, help="stop after this long")
        parser.add_argument("--seed", type=int, default=None, help="random seed")

    def handle(self, *args: Any, interval: float, seconds: float, seed: int | None, **kw: Any):
        rng = random.Random(seed)
        deadline = time.monotonic() + seconds if seconds else None
        self.stdout.write(f"demo feed: a change every {interval:g}s (Ctrl-C to stop)")
        ticks = 0
        try:
            while deadline is None or time.monotonic() < deadline:
                close_old_connections()
                try:
                    what = tick(rng)
                except DomainError as exc:  # a plausible move that the rules refused
                    what = f"refused: {exc}"
                except DatabaseError as exc:  # e.g. SQLite busy while the admin writes
                    logger.warning("demo feed: database busy, skipping a tick: %s", exc)
                    what = "skipped"
                ticks += 1
                if kw["verbosity"] > 1:
                    self.stdout.write(what)
                time.sleep(interval if deadline is None else min(interval, _left(deadline)))
        except KeyboardInterrupt:
            pass
        self.stdout.write(f"demo feed: stopped after {ticks} tick(s)")


def _left(deadline: float) -> float:
    return max(0.0, deadline - time.monotonic())


def _events(statuses: list[str]) -> list[Event]:
    return list(
        Event.objects.filter(status__in=statuses)
        .select_related("competition__sport", "home", "away")
        .order_by("kickoff", "id")
    )


def tick(rng: random.Random) -> str:
    """Apply one change; returns a short description of it."""
    live = _events([Status.LIVE, Status.BREAK])
    if len(live) < MIN_LIVE or rng.random() < 0.03:
        scheduled = _events([Status.SCHEDULED])
        if scheduled:
            event = services.change_status(event=scheduled[0], status=Status.LIVE, actor=FEED_ACTOR)
            return f"started {event}"
    if not live:
        return "nothing live"
    if len(live) > MAX_LIVE:
        return _finish(live[0])
    return advance(rng.choice(live), rng)


def _finish(event: Event) -> str:
    services.change_status(event=event, status=Status.FINISHED, actor=FEED_ACTOR)
    return f"finished {event}"


def advance(event: Event, rng: random.Random) -> str:
    """One plausible next step for a live event, by sport."""
    rules = rules_for(event.sport_kind)
    if event.status == Status.BREAK:
        following = rules.next_periods(services.events.score_of(event))
        if not following:
            return _finish(event)
        services.change_status(event=event, status=Status.LIVE, actor=FEED_ACTOR)
        return f"{event}: {following[0]} under way"
    kind = event.sport_kind
    if kind == "tennis":
        for _ in range(rng.randint(1, 3)):
            event = tennis_point(event, rng, actor=FEED_ACTOR)
            if event.status == Status.FINISHED:
                return f"{event}: match over"
        return f"{event}: point"
    period = rules.period(event.period)
    if period.shootout:
        side = "home" if rng.random() < 0.5 else "away"
        services.record_score(event=event, side=side, actor=FEED_ACTOR, player="")
        return f"{event}: shoot-out goal"
    # Periods end by chance: a demo cannot wait 45 real minutes.
    if rng.random() < 0.06:
        following = rules.next_periods(services.events.score_of(event))
        if not following or (kind == "football" and event.period == "2H"):
            return _finish(event)
        services.change_status(event=event, status=Status.BREAK, actor=FEED_ACTOR)
        return f"{event}: end of {event.period}"
    minute = services.current_minute(event)
    if kind == "basketball":
        basket(event, rng, minute=minute, actor=FEED_ACTOR)
        return f"{event}: basket"
    roll = rng.random()
    if roll < 0.25:
        goal(event, rng, minute=minute, actor=FEED_ACTOR)
        return f"{event}: goal"
    if kind == "ice_hockey":
        hockey_penalty(event, rng, minute=minute, actor=FEED_ACTOR)
        return f"{event}: penalty"
    if roll < 0.6:
        card(event, rng, minute=minute, actor=FEED_ACTOR)
        return f"{event}: card"
    substitution(event, rng, minute=minute, actor=FEED_ACTOR)
    return f"{event}: substitution"
