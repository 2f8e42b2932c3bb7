"""Database set-up for simulated matches: providers, an event per match, id mappings.

Sports, competitions and teams are reference data (not live models); the event itself
is created through the service layer like any other.
"""

from __future__ import annotations

import itertools
import random

from django.db.models import Q
from django.utils import timezone

from scoreboard import services
from scoreboard.models import Competition, Event, ProviderMapping, Source, Sport, Status, Team

from ..models import CompetitionProvider, Provider

SPORT_NAMES = {
    "football": "Football",
    "basketball": "Basketball",
    "ice_hockey": "Ice hockey",
    "tennis": "Tennis",
}
_counter = itertools.count(1)


def ensure_provider(name: str, kind: str, pull_url: str = "") -> Provider:
    provider, _ = Provider.objects.update_or_create(
        name=name,
        defaults={
            "kind": kind,
            "enabled": True,
            "pull_url": pull_url,
            # A new simulator run starts a new feed: poll it from the beginning.
            "pull_cursor": "",
            "pull_etag": "",
            "pull_last_modified": "",
        },
    )
    return provider


def create_match_event(
    *, sport_kind: str, providers: list[str], match_id: str, priorities: dict[str, int]
) -> Event:
    sport = Sport.objects.filter(kind=sport_kind).first() or Sport.objects.create(
        slug=sport_kind.replace("_", "-"), name=SPORT_NAMES[sport_kind], kind=sport_kind
    )
    competition = Competition.objects.filter(sport=sport).order_by(
        "?"
    ).first() or Competition.objects.create(
        sport=sport, slug=f"sim-{sport.slug}", name=f"Simulator {sport.name} League"
    )
    teams = _free_teams(sport, competition)
    while len(teams) < 2:
        team, _ = Team.objects.get_or_create(sport=sport, name=f"Sim {sport.name} {len(teams) + 1}")
        if team not in teams:
            teams.append(team)
    event = services.create_event(
        competition=competition,
        home=teams[0],
        away=teams[1],
        kickoff=timezone.now(),
        venue="Simulator Arena",
        actor=services.Actor(source=Source.SYSTEM, detail="simulator"),
    )
    for provider in providers:
        ProviderMapping.objects.update_or_create(
            provider=provider,
            kind=ProviderMapping.Kind.EVENT,
            provider_id=match_id,
            defaults={"object_id": event.pk},
        )
        if provider in priorities:
            CompetitionProvider.objects.update_or_create(
                competition=competition,
                provider_id=provider,
                defaults={"priority": priorities[provider]},
            )
    return event


def _free_teams(sport: Sport, competition: Competition) -> list[Team]:
    """Two teams of the competition (else of the sport) that are not playing right now,
    so the demo never shows one club in two matches at once."""
    playing = Event.objects.filter(status__in=[Status.LIVE, Status.BREAK]).values_list(
        "home_id", "away_id"
    )
    busy = {team_id for pair in playing for team_id in pair}
    in_competition = Team.objects.filter(
        Q(home_events__competition=competition) | Q(away_events__competition=competition)
    )
    for pool in (in_competition, Team.objects.filter(sport=sport)):
        # A set of ids, then a sample: DISTINCT with ORDER BY random() can repeat a row.
        free = sorted(set(pool.exclude(pk__in=busy).values_list("pk", flat=True)))
        if len(free) >= 2:
            return list(Team.objects.filter(pk__in=random.sample(free, 2)))
    return list(Team.objects.filter(sport=sport).order_by("?")[:2])
