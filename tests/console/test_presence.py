"""Presence: editors with an event open are shown to each other, from open sockets."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser, User

from scoreboard.console.consumers import PresenceConsumer
from scoreboard.console.presence import KEY
from scoreboard.models import Event

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _no_leftover_presence() -> None:
    """Entries of server processes killed by earlier tests live on until their TTL."""
    import redis
    from django.conf import settings

    redis.Redis.from_url(settings.REDIS_URL).delete(KEY)


def _socket(user: object) -> WebsocketCommunicator:
    comm = WebsocketCommunicator(PresenceConsumer.as_asgi(), "/ws/console/presence/")
    comm.scope["user"] = user
    return comm


def test_it_shows_each_editor_who_else_has_the_event_open(
    editor: User, editor2: User, make_event: Callable[..., Event]
) -> None:
    pk = make_event().pk

    async def body() -> None:
        erin, eddie = _socket(editor), _socket(editor2)
        assert (await erin.connect())[0]
        assert (await eddie.connect())[0]
        await erin.receive_json_from()
        await eddie.receive_json_from()

        await erin.send_json_to({"type": "open", "event": pk})
        assert (await erin.receive_json_from())["events"] == {str(pk): ["erin"]}
        await eddie.send_json_to({"type": "open", "event": pk})
        assert (await eddie.receive_json_from())["events"] == {str(pk): ["eddie", "erin"]}
        # Erin's socket learns of Eddie within its refresh period.
        assert (await erin.receive_json_from(timeout=5))["events"] == {str(pk): ["eddie", "erin"]}

        await eddie.disconnect()
        assert (await erin.receive_json_from(timeout=5))["events"] == {str(pk): ["erin"]}
        await erin.disconnect()

    async_to_sync(body)()


def test_it_refuses_anonymous_and_roleless_sockets(outsider: User) -> None:
    async def body() -> None:
        for user in (AnonymousUser(), outsider):
            comm = _socket(user)
            connected, code = await comm.connect()
            assert not connected and code == 4403

    async_to_sync(body)()


def test_it_closes_on_an_unknown_message(viewer: User) -> None:
    async def body() -> None:
        comm = _socket(viewer)
        assert (await comm.connect())[0]
        await comm.receive_json_from()
        await comm.send_json_to({"type": "score", "side": "home"})
        assert (await comm.receive_output(timeout=2)) == {"type": "websocket.close", "code": 4400}
        await comm.disconnect()

    async_to_sync(body)()


def test_it_closes_a_socket_that_floods_it(editor: User, make_event: Callable[..., Event]) -> None:
    pk = make_event().pk

    async def body() -> None:
        comm = _socket(editor)
        assert (await comm.connect())[0]
        await comm.receive_json_from()
        for _ in range(21):
            await comm.send_json_to({"type": "open", "event": pk})
        while (output := await comm.receive_output(timeout=3))["type"] != "websocket.close":
            pass
        assert output["code"] == 4429
        await comm.disconnect()

    async_to_sync(body)()
