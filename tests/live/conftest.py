"""Fixtures for live tests: real ASGI server processes and a live football event.

Server processes read the pytest-django TEST database, so tests that use them must
commit their rows: mark them `@pytest.mark.django_db(transaction=True)`.
One server (or pair) per test module keeps the area fast.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.utils import timezone

from scoreboard import services
from scoreboard.models import Competition, Event, Sport, Team
from tests.support.asgi_server import AsgiServer, server_database_url


@pytest.fixture(scope="module")
def asgi_server_factory(
    django_db_setup: None, django_db_blocker: Any
) -> Iterator[Callable[..., AsgiServer]]:
    """Start real ASGI servers (`factory(server="uvicorn"|"daphne", env={...})`).

    Every server started through the factory is stopped when the module ends.
    """
    started: list[AsgiServer] = []

    def factory(*, server: str = "uvicorn", env: dict[str, str] | None = None) -> AsgiServer:
        with django_db_blocker.unblock():
            database_url = server_database_url()
        instance = AsgiServer(
            database_url=database_url,
            redis_url=os.environ.get("REDIS_URL"),
            server=server,
            env=env,
        )
        started.append(instance)
        return instance.start()

    yield factory
    for instance in started:
        instance.__exit__(None, None, None)


@pytest.fixture(scope="module")
def asgi_server(asgi_server_factory: Callable[..., AsgiServer]) -> AsgiServer:
    """One uvicorn process serving the app for the whole module."""
    return asgi_server_factory()


@pytest.fixture(scope="module")
def asgi_server_pair(asgi_server_factory: Callable[..., AsgiServer]) -> tuple[AsgiServer, ...]:
    """Two uvicorn processes on the same Redis: the distributed topology in miniature."""
    return (asgi_server_factory(), asgi_server_factory())


@pytest.fixture
def make_live_event() -> Callable[..., Event]:
    """Factory: a live football event (version 2); `make_live_event(home="A", away="B")`."""

    def make(*, home: str = "Arsenal", away: str = "Chelsea", status: str = "live") -> Event:
        sport, _ = Sport.objects.get_or_create(
            slug="football", defaults={"name": "Football", "kind": "football"}
        )
        competition, _ = Competition.objects.get_or_create(
            slug="pl", defaults={"sport": sport, "name": "Premier League"}
        )
        home_team, _ = Team.objects.get_or_create(sport=sport, name=home)
        away_team, _ = Team.objects.get_or_create(sport=sport, name=away)
        event = services.create_event(
            competition=competition, home=home_team, away=away_team, kickoff=timezone.now()
        )
        if status == "scheduled":
            return event
        return services.change_status(event=event, status=status)

    return make


@pytest.fixture
def live_football_event(make_live_event: Callable[..., Event]) -> Event:
    """Arsenal v Chelsea, kicked off and live in the first half (version 2)."""
    return make_live_event()


@pytest.fixture(autouse=True)
def _fresh_replay_memo() -> Iterator[None]:
    """Replays memoise renders, fragments the feed health, for seconds: not across tests."""
    from scoreboard.live import fragments, replay

    replay.forget()
    fragments.forget_feed_health()
    yield
    replay.forget()
