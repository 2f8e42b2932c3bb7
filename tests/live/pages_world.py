"""A small world of sports, competitions and events for the page tests (pages helper).

Everything is written through the service layer, as production writes it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from scoreboard import services
from scoreboard.models import Competition, Event, Incident, Sport, Team


@dataclass
class World:
    football: Sport
    basketball: Sport
    premier_league: Competition
    nba: Competition

    def team(self, competition: Competition, name: str) -> Team:
        return Team.objects.get_or_create(sport=competition.sport, name=name)[0]

    def event(
        self,
        home: str,
        away: str,
        *,
        competition: Competition | None = None,
        kickoff: dt.datetime | None = None,
    ) -> Event:
        competition = competition or self.premier_league
        return services.create_event(
            competition=competition,
            home=self.team(competition, home),
            away=self.team(competition, away),
            kickoff=kickoff or timezone.now(),
        )

    def live(self, home: str, away: str, **kwargs: object) -> Event:
        event = self.event(home, away, **kwargs)  # type: ignore[arg-type]
        return services.change_status(event=event, status="live")

    def result(self, home: str, away: str, score: tuple[int, int], **kwargs: object) -> Event:
        """A finished match with `score` (goals or single points)."""
        event = self.live(home, away, **kwargs)
        for side, goals in zip(("home", "away"), score, strict=True):
            for _ in range(goals):
                services.record_score(event=event, side=side, player=f"{side} scorer")
        return services.change_status(event=event, status="finished")


def build_world() -> World:
    football = Sport.objects.create(slug="football", name="Football", kind="football")
    basketball = Sport.objects.create(
        slug="basketball", name="Basketball", kind="basketball", display_order=200
    )
    return World(
        football=football,
        basketball=basketball,
        premier_league=Competition.objects.create(
            sport=football, slug="premier-league", name="Premier League"
        ),
        nba=Competition.objects.create(sport=basketball, slug="nba", name="NBA"),
    )


def incident(event: Event, player: str) -> Incident:
    return Incident.objects.get(event=event, player=player)
