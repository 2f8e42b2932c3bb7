"""The console's presence socket announces only real events, and only while the user
still has a console role (not just when the socket connected)."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.utils import timezone

from scoreboard import services
from scoreboard.console.consumers import PresenceConsumer
from scoreboard.console.presence import KEY
from scoreboard.console.roles import EDITOR, setup_roles
from scoreboard.models import Competition, Event, Sport, Team

pytestmark = pytest.mark.django_db(transaction=True)
# Seconds: the consumer re-reads the role every few seconds; a busy machine adds some.
CLOSE_WITHIN = 20


@pytest.fixture(autouse=True)
def _no_leftover_presence() -> None:
    import redis

    redis.Redis.from_url(settings.REDIS_URL).delete(KEY)


def _editor(name: str) -> User:
    setup_roles()
    user = User.objects.create_user(name, password="match-day-2026", is_staff=True)
    user.groups.add(Group.objects.get(name=EDITOR))
    return user


@pytest.fixture
def event() -> Event:
    sport = Sport.objects.create(slug="football", name="Football", kind="football")
    competition = Competition.objects.create(sport=sport, slug="pl", name="Premier League")
    return services.create_event(
        competition=competition,
        home=Team.objects.create(sport=sport, name="Arsenal"),
        away=Team.objects.create(sport=sport, name="Chelsea"),
        kickoff=timezone.now(),
    )


def _socket(user: User) -> WebsocketCommunicator:
    comm = WebsocketCommunicator(PresenceConsumer.as_asgi(), "/ws/console/presence/")
    comm.scope["user"] = user
    return comm


async def _close_code(comm: WebsocketCommunicator, timeout: float) -> int:
    while (output := await comm.receive_output(timeout=timeout))["type"] != "websocket.close":
        pass
    return output["code"]


@pytest.mark.parametrize("bogus", [10**40, 2**63, 987654321], ids=["huge", "bigint", "missing"])
def test_it_refuses_an_event_that_does_not_exist(event: Event, bogus: int) -> None:
    erin, eddie = _editor("erin"), _editor("eddie")

    async def body() -> None:
        watcher, mallory = _socket(erin), _socket(eddie)
        assert (await watcher.connect())[0]
        assert (await mallory.connect())[0]
        await watcher.receive_json_from()
        await mallory.receive_json_from()

        await mallory.send_json_to({"type": "open", "event": bogus})
        assert await _close_code(mallory, 3) == 4400
        # The watcher's board never shows the bogus id: a real one still goes through.
        await watcher.send_json_to({"type": "open", "event": event.pk})
        snapshot = (await watcher.receive_json_from())["events"]
        assert snapshot == {str(event.pk): ["erin"]}
        await watcher.disconnect()

    async_to_sync(body)()


def test_it_closes_the_socket_of_an_editor_who_lost_the_role_on_the_next_message(
    event: Event,
) -> None:
    erin = _editor("erin")

    async def body() -> None:
        comm = _socket(erin)
        assert (await comm.connect())[0]
        await comm.receive_json_from()
        await database_sync_to_async(erin.groups.clear)()  # demoted, console open
        await comm.send_json_to({"type": "open", "event": event.pk})
        assert await _close_code(comm, 3) == 4403

    async_to_sync(body)()


def test_it_closes_an_idle_socket_of_a_deactivated_editor_and_drops_its_presence(
    event: Event,
) -> None:
    erin, eddie = _editor("erin"), _editor("eddie")

    async def body() -> None:
        leaving, staying = _socket(erin), _socket(eddie)
        assert (await leaving.connect())[0]
        assert (await staying.connect())[0]
        await leaving.receive_json_from()
        await staying.receive_json_from()
        await leaving.send_json_to({"type": "open", "event": event.pk})
        await staying.send_json_to({"type": "open", "event": event.pk})
        while (await staying.receive_json_from(timeout=5))["events"] != {
            str(event.pk): ["eddie", "erin"]
        }:
            pass

        await database_sync_to_async(User.objects.filter(pk=erin.pk).update)(is_active=False)
        # No message from erin: the periodic re-check closes her socket...
        assert await _close_code(leaving, CLOSE_WITHIN) == 4403
        # ...and eddie's board drops her.
        while (await staying.receive_json_from(timeout=5))["events"] != {str(event.pk): ["eddie"]}:
            pass
        await staying.disconnect()

    async_to_sync(body)()
