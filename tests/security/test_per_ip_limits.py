"""Finding 9: limits per client address, and which address that is.

Failed authentication (API keys, feed pushes), anonymous page loads, long-poll waits
and WebSocket connections are each limited per client IP; X-Forwarded-For counts only
from TRUSTED_PROXIES; uvicorn refuses WebSocket frames larger than the consumers read."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import websockets
from asgiref.sync import async_to_sync
from channels.testing import HttpCommunicator, WebsocketCommunicator
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from liveapp.asgi import application
from liveapp.clientip import client_ip
from liveapp.ip_limits import LONGPOLL_WAITS
from scoreboard.feeds.adapters import SIGNATURE_HEADER, TIMESTAMP_HEADER
from scoreboard.models import Change
from scoreboard.partners import services as partner_services
from scoreboard.partners.models import Partner
from tests.support.asgi_server import AsgiServer, server_database_url

ATTACKER, OTHER = "198.51.100.66", "198.51.100.77"


@pytest.fixture(autouse=True)
def _fresh_counters() -> Iterator[None]:
    cache.clear()  # this run's Redis database: no count left from an earlier test
    yield
    cache.clear()


def in_one_window(attempt: Callable[[], list[Any]], window: int = 60) -> list[Any]:
    """Run `attempt` so that all of it falls in one fixed rate window (again if it
    straddled a boundary: the counts restart there)."""
    while True:
        cache.clear()
        start = int(time.time() // window)
        result = attempt()
        if int(time.time() // window) == start:
            return result


# ---- X-Forwarded-For ----------------------------------------------------------------------
def test_forwarded_for_is_believed_only_from_a_trusted_proxy(settings: Any) -> None:
    settings.TRUSTED_PROXIES = []
    assert client_ip(ATTACKER, "1.2.3.4") == ATTACKER  # forged: ignored
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(ATTACKER, "1.2.3.4") == ATTACKER  # not from the proxy: ignored
    # From the proxy: the right-most address the proxy did not add itself.
    assert client_ip("10.0.0.1", "6.6.6.6, 203.0.113.9") == "203.0.113.9"
    assert client_ip("10.0.0.1", "203.0.113.9, 10.0.0.2") == "203.0.113.9"
    assert client_ip("10.0.0.1", "garbage") == "10.0.0.1"


# ---- failed authentication ----------------------------------------------------------------
@pytest.mark.django_db
def test_failed_api_key_authentications_are_limited_per_address(settings: Any) -> None:
    settings.AUTH_FAILURES_PER_IP_PER_MINUTE = 3
    api = APIClient()

    def attempt() -> list[int]:
        statuses = [
            api.get(
                "/api/v1/events",
                HTTP_AUTHORIZATION=f"Api-Key wrong-{n}",
                REMOTE_ADDR=ATTACKER,
                HTTP_X_FORWARDED_FOR=f"10.9.9.{n}",  # rotating a forged header changes nothing
            ).status_code
            for n in range(5)
        ]
        other = api.get("/api/v1/events", HTTP_AUTHORIZATION="Api-Key x", REMOTE_ADDR=OTHER)
        return [*statuses, other.status_code]

    assert in_one_window(attempt) == [401, 401, 401, 429, 429, 401]
    # A good key still works from another address.
    partner = Partner.objects.create(name="Good Partner")
    key = partner_services.create_api_key(partner=partner, name="k", scopes=["read"])
    ok = api.get("/api/v1/events", HTTP_AUTHORIZATION=f"Api-Key {key.token}", REMOTE_ADDR=OTHER)
    assert ok.status_code == 200


def push_with_bad_signature(ip: str) -> int:
    headers = [
        (b"host", b"127.0.0.1"),
        (TIMESTAMP_HEADER.lower().encode(), str(int(time.time())).encode()),
        (SIGNATURE_HEADER.lower().encode(), b"sha256=" + b"0" * 64),
    ]
    communicator = HttpCommunicator(application, "POST", "/feeds/sim/push", b"{}", headers)
    communicator.scope["client"] = (ip, 40000)
    return async_to_sync(communicator.get_response)()["status"]


@pytest.mark.django_db
def test_failed_feed_pushes_are_limited_per_address(settings: Any) -> None:
    settings.FEED_PUSH_SECRETS = {"sim": "test-feed-secret"}
    settings.AUTH_FAILURES_PER_IP_PER_MINUTE = 3

    def attempt() -> list[int]:
        mine = [push_with_bad_signature(ATTACKER) for _ in range(5)]
        return [*mine, push_with_bad_signature(OTHER)]

    assert in_one_window(attempt) == [401, 401, 401, 429, 429, 401]


# ---- anonymous pages ----------------------------------------------------------------------
@pytest.mark.django_db
def test_anonymous_page_loads_are_limited_per_address(settings: Any, admin_user: Any) -> None:
    settings.ANON_PAGE_RATE = "3/m"
    browser = Client()
    staff = Client()
    staff.force_login(admin_user)

    def attempt() -> list[int]:
        mine = [browser.get("/", REMOTE_ADDR=ATTACKER).status_code for _ in range(5)]
        other = browser.get("/", REMOTE_ADDR=OTHER).status_code
        signed_in = staff.get("/", REMOTE_ADDR=ATTACKER).status_code
        return [*mine, other, signed_in]

    assert in_one_window(attempt) == [200, 200, 200, 429, 429, 200, 200]


# ---- long-poll waits ----------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_long_poll_waits_are_limited_per_address(settings: Any) -> None:
    settings.LONGPOLL_WAITS_PER_IP = 1
    partner = Partner.objects.create(name="Poller")
    token = partner_services.create_api_key(partner=partner, name="k", scopes=["read"]).token
    # At the head of the log: the request waits for a change (a cursor ahead of the log
    # would be refused at once with 409).
    head = Change.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    url = f"/api/v1/changes?after={head}&wait=3"

    def get(ip: str) -> int:
        api = APIClient()
        return api.get(url, HTTP_AUTHORIZATION=f"Api-Key {token}", REMOTE_ADDR=ip).status_code

    first: list[int] = []
    waiting = threading.Thread(target=lambda: first.append(get(ATTACKER)))
    waiting.start()
    deadline = time.monotonic() + 10
    while LONGPOLL_WAITS.held.get(ATTACKER) != 1:  # the first request is now waiting
        assert time.monotonic() < deadline, "the first long-poll never started waiting"
        time.sleep(0.01)
    assert get(ATTACKER) == 429
    assert get(OTHER) == 200  # another address waits its own turn
    waiting.join(timeout=10)
    assert first == [200]
    assert ATTACKER not in LONGPOLL_WAITS.held


# ---- WebSockets ---------------------------------------------------------------------------
def test_websockets_are_limited_per_address_per_process(settings: Any) -> None:
    settings.WS_CONNECTIONS_PER_IP = 2

    async def scenario() -> None:
        async def open_from(ip: str) -> tuple[WebsocketCommunicator, bool, Any]:
            communicator = WebsocketCommunicator(
                application,
                "/ws/live/?topics=live",
                headers=[(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")],
            )
            communicator.scope["client"] = (ip, 50000)
            connected, code = await communicator.connect(timeout=10)
            return communicator, connected, code

        first, second, third, other = [await open_from(ip) for ip in [ATTACKER] * 3 + [OTHER]]
        assert (first[1], second[1], third[1], other[1]) == (True, True, False, True)
        assert third[2] == 1008
        await first[0].disconnect()
        again = await open_from(ATTACKER)  # a slot freed by the close
        assert again[1]
        for communicator, _, _ in (second, other, again):
            await communicator.disconnect()

    async_to_sync(scenario)()


@pytest.mark.django_db(transaction=True)
def test_uvicorn_refuses_frames_larger_than_the_consumers_read() -> None:
    server = AsgiServer(database_url=server_database_url(), redis_url=os.environ["REDIS_URL"])

    async def send_big(url: str, origin: str) -> int | None:
        async with websockets.connect(url, origin=origin, compression=None) as socket:
            await socket.send("x" * 8192)
            try:
                await asyncio.wait_for(socket.recv(), timeout=10)
            except websockets.ConnectionClosed as closed:
                return closed.rcvd.code if closed.rcvd else None
        return None

    with server:
        code = asyncio.run(send_big(f"{server.ws_url}/ws/live/?topics=live", server.origin))
    assert code == 1009  # "message too big", from the server before the consumer reads it
