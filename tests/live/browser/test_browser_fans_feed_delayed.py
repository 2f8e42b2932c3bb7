"""Feed state, live (issue 19, acceptance 5): when a provider goes silent, "Feed delayed"
appears on the open event page within the threshold plus 2 s, without a reload, and
clears when its messages resume. The silence is noticed by the real beat task in a real
Celery worker process; the messages go through the real ingestion code."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator

import pytest
import redis
from django.core.cache import cache
from playwright.sync_api import Page, expect

from scoreboard.feeds.ingest import ingest_batch
from scoreboard.feeds.models import Provider
from scoreboard.feeds.simulator.engine import SimMatch
from scoreboard.feeds.simulator.setup import create_match_event, ensure_provider
from scoreboard.live.notices import ANNOUNCED_KEY
from tests.feeds.conftest import CeleryWorker
from tests.support.asgi_server import AsgiServer, server_database_url
from tests.support.broker import purge_queues

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CONNECT = 15000  # ms
SILENT_AFTER = 3  # seconds: FEED_SILENT_AFTER_SECONDS of the worker
WORKER_READY = 60  # seconds: a Celery worker with beat starting on a busy machine


@pytest.fixture
def beat_worker() -> Iterator[CeleryWorker]:
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    client.flushdb()
    purge_queues()
    worker = CeleryWorker(
        database_url=server_database_url(),
        beat=True,
        concurrency=1,
        env={"FEED_SILENT_AFTER_SECONDS": str(SILENT_AFTER), "FEED_HEALTH_INTERVAL_SECONDS": "0.5"},
    ).start()
    deadline = time.monotonic() + WORKER_READY
    while cache.get(ANNOUNCED_KEY) is None:  # the beat task has run once
        assert worker.process is not None and worker.process.poll() is None, worker.log_tail()
        assert time.monotonic() < deadline, worker.log_tail()
        time.sleep(0.2)
    yield worker
    worker.stop()
    client.flushdb()
    purge_queues()


def feed(messages: list[dict]) -> float:
    ingest_batch(provider="sim", raw_messages=messages, received_at=time.time())
    return time.monotonic()


def test_feed_delayed_appears_on_silence_and_clears_when_messages_resume(
    page: Page, asgi_server: AsgiServer, editor, beat_worker: CeleryWorker
) -> None:
    ensure_provider("sim", Provider.Kind.PUSH)
    event = create_match_event(
        sport_kind="football", providers=["sim"], match_id="quiet-one", priorities={}
    )
    match = SimMatch(match_id="quiet-one", sport="football", rng=random.Random(7))
    messages = [message for _, message in match.play()]
    editor(feed, messages[:2])  # kick-off: live, and the feed has just spoken
    page.goto(asgi_server.url + f"/events/{event.pk}/")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live", timeout=CONNECT)
    badge = page.locator(f"#event-header-{event.pk} .badge.delayed")
    expect(badge).to_have_count(0)
    page.evaluate("window.__sameDocument = true")

    last_message = editor(feed, messages[2:3])

    expect(badge).to_have_text("Feed delayed", timeout=(SILENT_AFTER + 2) * 1000)
    assert time.monotonic() - last_message >= SILENT_AFTER - 0.5  # not before the silence

    editor(feed, messages[3:5])  # the feed is back
    expect(badge).to_have_count(0, timeout=2000)
    assert page.evaluate("window.__sameDocument") is True  # no reload
