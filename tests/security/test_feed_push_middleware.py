"""Finding 6: the feed push route (a Channels consumer, outside Django's handler) gets
Django's host check and security middleware, with production's settings."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.testing import HttpCommunicator

from liveapp.asgi import application
from scoreboard.feeds.adapters import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

pytestmark = pytest.mark.django_db

SECRET = "test-feed-secret"


@pytest.fixture
def production(settings: Any) -> Any:
    """The security settings production runs with (liveapp/settings.py, DEBUG=0)."""
    settings.FEED_PUSH_SECRETS = {"sim": SECRET}
    settings.ALLOWED_HOSTS = ["scores.example.com"]
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    return settings


def push(host: str, *, https: bool) -> tuple[int, dict[str, str], bytes]:
    body = json.dumps({"messages": []}).encode()
    timestamp = str(int(time.time()))
    headers = [
        (b"host", host.encode()),
        (b"content-type", b"application/json"),
        (TIMESTAMP_HEADER.lower().encode(), timestamp.encode()),
        (SIGNATURE_HEADER.lower().encode(), sign(SECRET, timestamp, body).encode()),
    ]
    if https:  # as the TLS proxy in front says it
        headers.append((b"x-forwarded-proto", b"https"))
    communicator = HttpCommunicator(application, "POST", "/feeds/sim/push", body, headers)
    response = async_to_sync(communicator.get_response)()
    names = {k.decode().lower(): v.decode() for k, v in response["headers"]}
    return response["status"], names, response["body"]


def test_a_bad_host_gets_a_400(production: Any) -> None:
    status, _, body = push("evil.example", https=True)
    assert status == 400
    assert json.loads(body)["error"] == "bad_host"


def test_plain_http_is_redirected_to_https(production: Any) -> None:
    status, headers, _ = push("scores.example.com", https=False)
    assert status == 301
    assert headers["location"] == "https://scores.example.com/feeds/sim/push"


def test_an_https_push_is_answered_with_hsts_and_the_security_headers(production: Any) -> None:
    status, headers, body = push("scores.example.com", https=True)
    assert status == 202, body
    assert headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["content-type"] == "application/json"
