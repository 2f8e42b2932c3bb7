"""Items 3 and 5: a stream ends when its key is revoked or loses its scope, keepalives go
out whatever the traffic, and a cursor ahead of the log is an error, not a silent wait.

Against a real uvicorn process whose heartbeat is one second.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.db import connection

from scoreboard import services
from scoreboard.models import Change
from scoreboard.partners import services as partner_services
from scoreboard.partners.models import ApiKey
from tests.support.asgi_server import AsgiServer, server_database_url

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

HEARTBEAT = 1.0


@pytest.fixture(scope="module")
def beating_server(django_db_setup: None, django_db_blocker: Any) -> Iterator[AsgiServer]:
    with django_db_blocker.unblock():
        database_url = server_database_url()
    server = AsgiServer(
        database_url=database_url,
        redis_url=os.environ.get("REDIS_URL"),
        env={"API_STREAM_HEARTBEAT_SECONDS": str(HEARTBEAT)},
    )
    server.start()
    yield server
    server.__exit__(None, None, None)


def messages(response: httpx.Response) -> Iterator[tuple[str, str]]:
    """(kind, text) of each SSE block: ("comment", ...), ("change", data), ("error", data)."""
    block: list[str] = []
    for line in response.iter_lines():
        if line:
            block.append(line)
            continue
        event = next((x[7:] for x in block if x.startswith("event: ")), None)
        data = next((x[6:] for x in block if x.startswith("data: ")), "")
        if event:
            yield event, data
        elif any(x.startswith(": keepalive") for x in block):
            yield "keepalive", ""
        block = []


def open_stream(server: AsgiServer, token: str, **params: Any) -> Any:
    return httpx.stream(
        "GET",
        f"{server.url}/api/v1/stream",
        headers={"Authorization": f"Api-Key {token}"},
        params=params,
        timeout=httpx.Timeout(10, read=8 * HEARTBEAT),
    )


def key_of(token: str) -> ApiKey:
    return ApiKey.objects.get(prefix="_".join(token.split("_")[:2]))


@pytest.mark.parametrize("how", ["revoked", "scope removed"])
def test_it_ends_an_open_stream_when_its_key_stops_allowing_it(
    beating_server, world, make_key, how
) -> None:
    _, token = make_key(scopes=("read", "stream"))
    with open_stream(beating_server, token) as response:
        assert response.status_code == 200
        stream = messages(response)
        assert next(stream)[0] == "keepalive"  # open, and past its first key check
        key = key_of(token)
        if how == "revoked":
            partner_services.revoke_api_key(key=key)
        else:
            key.scopes = ["read"]
            key.save()
        changed = time.monotonic()
        rest = list(stream)  # the stream must end by itself
        took = time.monotonic() - changed
    kinds = [kind for kind, _ in rest]
    assert kinds[-1] == "error", rest
    error = json.loads(rest[-1][1])
    assert error["error"] == {"revoked": "key_revoked", "scope removed": "scope_removed"}[how]
    assert took < 2 * HEARTBEAT + 1, took  # within one heartbeat (plus slack)


def test_it_sends_keepalives_while_changes_keep_coming(beating_server, world, make_key) -> None:
    _, token = make_key(scopes=("stream",))
    stop = threading.Event()

    def write() -> None:
        event = services.change_status(event=world.events[1], status="live")
        try:
            while not stop.is_set():
                event = services.record_score(event=event, side="home")
                stop.wait(0.1)
        finally:
            connection.close()

    start = Change.objects.order_by("-id").values_list("id", flat=True).first()
    writer = threading.Thread(target=write)
    with open_stream(beating_server, token, after=start) as response:
        writer.start()
        try:
            seen: list[str] = []
            for kind, data in messages(response):
                seen.append(kind)
                if kind == "change":  # times in REST's format, the payload's too
                    change = json.loads(data)
                    assert change["created_at"].endswith("Z")
                    assert change["payload"]["event"]["updated_at"].endswith("Z")
                if seen.count("keepalive") >= 2 and "change" in seen:
                    break
        finally:
            stop.set()
            writer.join(10)
    assert seen.count("change") > 5  # busy all along, and still the keepalives came


def test_it_tells_a_cursor_ahead_of_the_log(
    beating_server, world, make_key, partner_client
) -> None:
    _, token = make_key(scopes=("read", "stream"))
    latest = Change.objects.order_by("-id").values_list("id", flat=True).first()
    ahead = latest + 1_000_000
    services.change_status(event=world.events[2], status="live")  # the log moves on

    changes = partner_client.get("/api/v1/changes", {"after": ahead, "wait": 1})
    assert changes.status_code == 409
    assert changes.json()["error"] == "cursor_ahead"

    with open_stream(beating_server, token, after=ahead) as response:
        assert response.status_code == 200
        got = list(messages(response))  # ends by itself
    assert [kind for kind, _ in got] == ["error"]
    assert json.loads(got[0][1])["error"] == "cursor_ahead"
