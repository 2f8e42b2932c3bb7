"""The 304 fast path (scoreboard/partners/fastpath.py) keeps every rule of the full path:
revocation, scopes, rate limits and ETags that change after every change, in-process
(sync middleware) and through a real uvicorn process (async middleware)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from rest_framework.test import APIClient

from scoreboard import services
from scoreboard.partners import services as partner_services
from scoreboard.partners.models import ApiKey


def client_for(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {token}")
    return client


def warm(client: Any, url: str) -> str:
    """200, then one conditional GET (full path: caches the key); returns the ETag."""
    etag = client.get(url)["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    return etag


@pytest.mark.django_db
def test_it_stops_answering_304_to_a_revoked_key(world, make_key) -> None:
    _, token = make_key()
    client = client_for(token)
    etag = warm(client, "/api/v1/events")
    partner_services.revoke_api_key(key=ApiKey.objects.get())
    response = client.get("/api/v1/events", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 401
    assert response.json()["detail"] == "this API key has been revoked"


@pytest.mark.django_db
def test_it_stops_answering_304_once_the_read_scope_is_removed(world, make_key) -> None:
    _, token = make_key()
    client = client_for(token)
    etag = warm(client, "/api/v1/changes")
    key = ApiKey.objects.get()
    key.scopes = ["stream"]
    key.save()
    assert client.get("/api/v1/changes", HTTP_IF_NONE_MATCH=etag).status_code == 403


@pytest.mark.django_db
def test_it_counts_304s_against_the_limit_and_answers_429_with_retry_after(world, make_key) -> None:
    _, token = make_key(rate="4/min")
    client = client_for(token)
    etag = warm(client, "/api/v1/sports")  # 2 requests
    codes = [client.get("/api/v1/sports", HTTP_IF_NONE_MATCH=etag).status_code for _ in range(3)]
    assert codes == [304, 304, 429]
    response = client.get("/api/v1/sports", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response.json()["error"] == "throttled"


@pytest.mark.django_db
def test_it_answers_200_with_a_new_etag_after_each_change(world, partner_client) -> None:
    event = services.change_status(event=world.events[0], status="live")
    for url in ("/api/v1/events", "/api/v1/changes?after=0&limit=5"):
        etag = warm(partner_client, url)
        event = services.record_score(event=event, side="home")
        fresh = partner_client.get(url, HTTP_IF_NONE_MATCH=etag)
        assert fresh.status_code == 200
        assert fresh["ETag"] != etag


@pytest.mark.django_db(transaction=True)  # the long-poll re-reads on fresh connections
def test_it_answers_a_long_poll_with_nothing_new_through_the_full_path(
    world, partner_client
) -> None:
    first = partner_client.get("/api/v1/changes?after=0")
    last = first.json()["last_seq"]
    url = f"/api/v1/changes?after={last}&wait=1"
    etag = partner_client.get(url)["ETag"]
    # Nothing after `last`: the full path waits (here 1 s), then answers 304.
    assert partner_client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_it_keeps_the_rules_through_the_async_server(api_server: Any, world, make_key) -> None:
    _, token = make_key()
    headers = {"Authorization": f"Api-Key {token}"}
    url = f"{api_server.url}/api/v1/events"
    etag = httpx.get(url, headers=headers).headers["ETag"]
    conditional = headers | {"If-None-Match": etag}
    for _ in range(3):  # full path once, then the fast path
        response = httpx.get(url, headers=conditional)
        assert response.status_code == 304
        assert response.headers["ETag"] == etag
        assert response.headers["Cache-Control"] == "private, no-cache"
        assert response.headers["Last-Modified"]

    # A change committed by another process (this one) changes the ETag at once.
    services.change_status(event=world.events[0], status="live")
    fresh = httpx.get(url, headers=conditional)
    assert fresh.status_code == 200
    assert fresh.headers["ETag"] != etag
    conditional = headers | {"If-None-Match": fresh.headers["ETag"]}
    assert httpx.get(url, headers=conditional).status_code == 304

    # Revoked in another process: the server's cached key is not trusted any more.
    partner_services.revoke_api_key(key=ApiKey.objects.get())
    refused = httpx.get(url, headers=conditional)
    assert refused.status_code == 401
    assert refused.json()["detail"] == "this API key has been revoked"
