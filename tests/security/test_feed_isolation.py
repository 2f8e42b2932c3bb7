"""Finding 3: one bad feed message is quarantined alone, with its reason, and cannot
freeze a match; deep bodies get a 400; a replayed signed body is recorded once."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.testing import HttpCommunicator

from liveapp.asgi import application
from liveapp.celery import app as celery_app
from scoreboard.feeds.adapters import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from scoreboard.feeds.ingest import ingest_batch
from scoreboard.feeds.models import ProcessedMessage, QuarantinedMessage
from scoreboard.feeds.tasks import ingest_batch_task
from tests.feeds.conftest import (  # noqa: F401 - fixtures
    SECRET,
    flushed_redis,
    incident_rows,
    new_match_event,
    simulated_messages,
    truth_rows,
    wait_for,
    worker_factory,
)

YEAR = 365 * 86_400


def bad_variants(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Copies of a valid yellow-card message, each broken in one way (reason -> message)."""

    def variant(n: int, **changes: Any) -> dict[str, Any]:
        return {**card, "id": f"bad-{n}", "seq": card["seq"] + 100 + n, **changes}

    def incident(n: int, **changes: Any) -> dict[str, Any]:
        extra = {**card["incidents"][0], "id": f"bad-i{n}", **changes}
        return variant(n, incidents=[*card["incidents"], extra])

    return {
        "ts": variant(1, ts=10**400),
        "ahead": variant(2, ts=1e13),
        "minute must be": incident(3, minute=-1),
        "minute must be ": incident(4, minute=10**30),
        "cannot be stored": incident(5, player="N\x00body"),
    }


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_flush_applies_every_valid_message_and_quarantines_each_bad_one_alone(
    worker_factory,  # noqa: F811
) -> None:
    event = new_match_event("football", "iso-1")
    messages, _ = simulated_messages("football", seed=1, match_id="iso-1")
    card = messages[2]
    assert card["incidents"][0]["kind"] == "yellow_card"
    bad = bad_variants(card)
    now = time.time()
    # Two pushes waiting in the queue: the worker applies them in one flush.
    ingest_batch_task.apply_async(("sim", [*messages[:3], *bad.values()], now))
    ingest_batch_task.apply_async(("sim", [messages[3]], now))
    worker = worker_factory(concurrency=1, pool="solo", prefetch=64)

    valid_ids = [m["id"] for m in messages[:4]]
    processed = ProcessedMessage.objects.filter(message_id__in=valid_ids)
    quarantined = QuarantinedMessage.objects.filter(provider="sim")
    wait_for(
        lambda: processed.count() == 4 and quarantined.count() == len(bad),
        timeout=60,
        what=f"the flush to be applied\n{worker.log_tail()}",
    )
    # The valid card (and what the second push brought) is on the event.
    assert incident_rows(event) == truth_rows({"incidents": messages[3]["incidents"]})
    assert incident_rows(event)[0][4] == card["incidents"][0]["player"]
    assert not ProcessedMessage.objects.filter(message_id__startswith="bad-").exists()
    reasons = {json.loads(q.raw)["id"]: q.reason for q in quarantined}
    assert set(reasons) == {m["id"] for m in bad.values()}
    for expected, message in bad.items():
        reason = reasons[message["id"]]
        assert "dead letter" not in reason
        assert expected.strip() in reason, reason


@pytest.mark.django_db
def test_a_message_dated_years_ahead_is_refused_and_the_match_is_not_frozen() -> None:
    event = new_match_event("football", "iso-2")
    messages, truth = simulated_messages("football", seed=3, match_id="iso-2")
    ahead = {**messages[1], "id": "from-the-future", "ts": time.time() + 10 * YEAR}
    ingest_batch(provider="sim", raw_messages=[messages[0], ahead], received_at=time.time())
    [row] = QuarantinedMessage.objects.all()
    assert json.loads(row.raw)["id"] == "from-the-future"
    assert row.reason.startswith("refused: ts is") and "ahead of our clock" in row.reason

    result = ingest_batch(provider="sim", raw_messages=messages[1:], received_at=time.time())
    assert result["stale"] == 0
    event.refresh_from_db()
    assert (event.status, event.home_score, event.away_score) == (
        truth["status"],
        truth["home"],
        truth["away"],
    )


def push(body: bytes, timestamp: str | None = None) -> tuple[int, dict]:
    timestamp = timestamp or str(int(time.time()))
    headers = [
        (b"host", b"127.0.0.1"),
        (b"content-type", b"application/json"),
        (TIMESTAMP_HEADER.lower().encode(), timestamp.encode()),
        (SIGNATURE_HEADER.lower().encode(), sign(SECRET, timestamp, body).encode()),
    ]
    communicator = HttpCommunicator(application, "POST", "/feeds/sim/push", body, headers)
    response = async_to_sync(communicator.get_response)(timeout=30)
    return response["status"], json.loads(response["body"])


@pytest.fixture
def push_settings(settings) -> Any:
    settings.FEED_PUSH_SECRETS = {"sim": SECRET}
    celery_app.conf["CELERY_TASK_ALWAYS_EAGER"] = True  # the hand-off runs in-process
    yield settings
    celery_app.conf["CELERY_TASK_ALWAYS_EAGER"] = False


@pytest.mark.django_db
def test_a_deeply_nested_body_gets_a_400_and_is_kept_once(push_settings) -> None:
    depth = 100_000
    body = b'{"messages": [' + b"[" * depth + b"]" * depth + b"]}"
    status, answer = push(body)
    assert status == 400
    assert answer["error"] == "too_deep"
    assert QuarantinedMessage.objects.filter(reason__startswith="too_deep").count() == 1


@pytest.mark.django_db
def test_a_replayed_signed_body_is_recorded_once(push_settings) -> None:
    new_match_event("football", "iso-3")
    broken = {"id": "broken-1", "seq": 1, "ts": time.time(), "match": "iso-3", "status": "??"}
    body = json.dumps({"messages": [broken]}).encode()
    timestamp = str(int(time.time()))
    answers = [push(body, timestamp) for _ in range(3)]
    assert answers[0] == (202, {"accepted": 1})
    assert answers[1:] == [(200, {"accepted": 0, "duplicate": True})] * 2
    assert QuarantinedMessage.objects.count() == 1
