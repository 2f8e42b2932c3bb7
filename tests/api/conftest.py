"""Fixtures for the partner API: a small football world, partners and their keys."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from scoreboard import services
from scoreboard.models import Competition, Event, Sport, Team
from scoreboard.partners import services as partner_services
from scoreboard.partners.models import Partner
from tests.support.asgi_server import AsgiServer, server_database_url


@dataclass
class World:
    sport: Sport
    competition: Competition
    teams: list[Team]
    events: list[Event]


@pytest.fixture(autouse=True)
def _fresh_partner_keys() -> Iterator[None]:
    # Rate windows, relay flags and locks of earlier tests must not leak. Only our keys:
    # the same Redis DB holds the Celery broker queue of the worker tests.
    if os.environ.get("REDIS_URL"):
        import redis

        client = redis.Redis.from_url(os.environ["REDIS_URL"])
        for name in client.scan_iter("*partners:*"):
            client.delete(name)
    else:
        cache.clear()
    yield


@pytest.fixture(autouse=True)
def _loopback_receivers(settings: Any) -> None:
    # The webhook tests' receivers listen on 127.0.0.1: the development escape hatch.
    settings.WEBHOOK_ALLOW_LOOPBACK = True


@pytest.fixture
def world() -> World:
    sport = Sport.objects.create(slug="football", name="Football", kind="football")
    competition = Competition.objects.create(
        sport=sport, slug="pl", name="Premier League", season="2026/27"
    )
    teams = [
        Team.objects.create(sport=sport, name=name, short_name=name[:3].upper())
        for name in ("Arsenal", "Chelsea", "Everton", "Fulham")
    ]
    start = timezone.now().replace(microsecond=0) - dt.timedelta(hours=2)
    events = [
        services.create_event(
            competition=competition, home=h, away=a, kickoff=start + dt.timedelta(hours=i)
        )
        for i, (h, a) in enumerate([(0, 1), (2, 3), (0, 2), (1, 3)])
        for h, a in [(teams[h], teams[a])]
    ]
    return World(sport, competition, teams, events)


@pytest.fixture
def make_key() -> Callable[..., tuple[Partner, str]]:
    """Factory: `make_key(scopes=[...], rate="600/min", partner="Acme")` -> (partner, token)."""

    def make(
        *,
        scopes: tuple[str, ...] = ("read", "stream", "webhooks"),
        rate: str = "1000/min",
        partner: str = "Acme Media",
    ) -> tuple[Partner, str]:
        owner, _ = Partner.objects.get_or_create(name=partner)
        new = partner_services.create_api_key(
            partner=owner, name="test", scopes=list(scopes), rate=rate
        )
        return owner, new.token

    return make


@pytest.fixture
def partner_client(make_key: Callable[..., tuple[Partner, str]]) -> APIClient:
    """An API client holding a full-scope key (the partner persona)."""
    _, token = make_key()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {token}")
    return client


def finish(event: Event, home: int, away: int) -> Event:
    """Play an event to a final score through the services."""
    event = services.change_status(event=event, status="live")
    for _ in range(home):
        event = services.record_score(event=event, side="home")
    for _ in range(away):
        event = services.record_score(event=event, side="away")
    event = services.change_status(event=event, status="break")
    event = services.change_status(event=event, status="live")
    return services.change_status(event=event, status="finished")


@pytest.fixture(scope="module")
def api_server(django_db_setup: None, django_db_blocker: Any) -> Iterator[AsgiServer]:
    """One real uvicorn process on the test database for the module."""
    with django_db_blocker.unblock():
        database_url = server_database_url()
    server = AsgiServer(
        database_url=database_url, redis_url=os.environ.get("REDIS_URL"), server="uvicorn"
    )
    server.start()
    yield server
    server.__exit__(None, None, None)
