"""A poll that finds nothing new leaves the provider's row alone, unless its stamp is old.

Beat polls every pull provider every 2 s: a write per idle poll would be most of what
polling costs the database, for a time that admin shows to the second.
"""

from __future__ import annotations

import random
import socket
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from scoreboard.feeds.models import Provider
from scoreboard.feeds.simulator.delivery import Faults, FaultyStream, PullFeed
from scoreboard.feeds.simulator.setup import ensure_provider
from scoreboard.feeds.tasks import poll_provider

pytestmark = pytest.mark.django_db


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def feed():
    port = free_port()
    pull = PullFeed(FaultyStream(Faults(), random.Random(1)), port)
    pull.start()
    ensure_provider("idle", Provider.Kind.PULL, pull_url=f"http://127.0.0.1:{port}/feed.json")
    yield pull
    pull.stop()


def provider_writes(queries: CaptureQueriesContext) -> list[str]:
    table = Provider._meta.db_table
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith(f'UPDATE "{table}"')]


def test_an_idle_poll_writes_nothing_while_the_stamp_is_fresh(feed, settings) -> None:
    settings.FEED_POLL_STAMP_SECONDS = 30
    poll_provider("idle")  # the first poll stamps the row and keeps the feed's ETag
    first = Provider.objects.get(pk="idle")
    assert first.last_polled_at is not None and first.pull_etag

    with CaptureQueriesContext(connection) as queries:
        assert poll_provider("idle") == {}
    assert provider_writes(queries) == []
    assert Provider.objects.get(pk="idle").last_polled_at == first.last_polled_at


def test_an_idle_poll_stamps_the_row_once_the_stamp_is_old(feed, settings) -> None:
    settings.FEED_POLL_STAMP_SECONDS = 30
    poll_provider("idle")
    old = timezone.now() - timedelta(seconds=31)
    Provider.objects.filter(pk="idle").update(last_polled_at=old)

    with CaptureQueriesContext(connection) as queries:
        poll_provider("idle")
    assert len(provider_writes(queries)) == 1
    assert Provider.objects.get(pk="idle").last_polled_at > old
