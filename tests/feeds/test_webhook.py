"""Acceptance 4: the push webhook refuses bad input with a clear JSON 4xx and applies
nothing; a valid signed batch gets 202 and is applied.

Requests go through the project's ASGI application (channels' HttpCommunicator), the
router and the webhook consumer as a server runs them."""

from __future__ import annotations

import json
import time

import pytest
from asgiref.sync import async_to_sync
from channels.testing import HttpCommunicator

from liveapp.asgi import application
from liveapp.celery import app as celery_app
from scoreboard.feeds.adapters import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from scoreboard.feeds.models import ProcessedMessage, QuarantinedMessage
from scoreboard.models import Change

from .conftest import SECRET, new_match_event, simulated_messages

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _feed_settings(settings):
    settings.FEED_PUSH_SECRETS = {"sim": SECRET}
    settings.FEED_PUSH_MAX_BYTES = 50_000
    # The hand-off to Celery runs in-process here; the worker path has its own tests.
    # The key as Django settings name it: Celery reads the CELERY_-prefixed one first.
    celery_app.conf["CELERY_TASK_ALWAYS_EAGER"] = True
    yield
    celery_app.conf["CELERY_TASK_ALWAYS_EAGER"] = False


@pytest.fixture
def batch() -> bytes:
    new_match_event("football", "hook-1")
    messages, _ = simulated_messages("football", seed=1, match_id="hook-1")
    return json.dumps({"messages": messages[:3]}).encode()


class Response:
    def __init__(self, raw: dict) -> None:
        self.status_code = raw["status"]
        self.headers = {k.decode(): v.decode() for k, v in raw["headers"]}
        self.body = raw["body"]

    def json(self) -> dict:
        assert self.headers["content-type"] == "application/json"
        return json.loads(self.body)


def request(
    body: bytes = b"", *, path: str = "/feeds/sim/push", method: str = "POST", signed: bool = True,
    timestamp: str | None = None, signature: str | None = None,
) -> Response:  # fmt: skip
    headers = [
        (b"host", b"127.0.0.1"),
        (b"content-type", b"application/json"),
        (b"content-length", b"%d" % len(body)),
    ]
    if signed:
        timestamp = timestamp if timestamp is not None else str(int(time.time()))
        signature = signature if signature is not None else sign(SECRET, timestamp, body)
        headers += [
            (TIMESTAMP_HEADER.lower().encode(), timestamp.encode()),
            (SIGNATURE_HEADER.lower().encode(), signature.encode()),
        ]
    communicator = HttpCommunicator(application, method, path, body=body, headers=headers)
    return Response(async_to_sync(communicator.get_response)())


def assert_nothing_applied() -> None:
    assert ProcessedMessage.objects.count() == 0
    assert not Change.objects.exclude(kind="event_created").exists()


def test_it_accepts_a_valid_signed_batch_with_202_and_applies_it(batch) -> None:
    response = request(batch)
    assert response.status_code == 202
    assert response.json() == {"accepted": 3}
    assert ProcessedMessage.objects.count() == 3
    assert Change.objects.filter(kind="status").exists()


def test_it_refuses_a_wrong_signature(batch) -> None:
    response = request(batch, signature=sign("not-the-secret", str(int(time.time())), batch))
    assert response.status_code == 401
    assert response.json()["error"] == "bad_signature"
    assert_nothing_applied()


def test_it_refuses_a_stale_timestamp_even_if_signed(batch) -> None:
    response = request(batch, timestamp=str(int(time.time()) - 3600))
    assert response.status_code == 401
    assert response.json()["error"] == "stale_timestamp"
    assert_nothing_applied()


def test_it_refuses_an_oversized_body() -> None:
    body = json.dumps({"messages": [], "padding": "x" * 60_000}).encode()
    response = request(body)
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"
    assert_nothing_applied()


def test_it_refuses_bad_json_and_keeps_it_in_quarantine() -> None:
    response = request(b'{"messages": [')
    assert response.status_code == 400
    assert response.json()["error"] == "bad_json"
    assert "not valid JSON" in response.json()["message"]
    assert_nothing_applied()
    assert QuarantinedMessage.objects.get().reason.startswith("bad_json")


def test_it_refuses_a_missing_signature_unknown_providers_and_other_methods(batch) -> None:
    response = request(batch, signed=False)
    assert response.status_code == 401
    assert response.json()["error"] == "missing_signature"
    response = request(batch, signed=False, path="/feeds/nobody/push")
    assert response.status_code == 404
    assert response.json()["error"] == "unknown_provider"
    response = request(method="GET", signed=False)
    assert response.status_code == 405
    assert response.json()["error"] == "method_not_allowed"
    assert_nothing_applied()
