"""A prefork worker keeps its database connections across tasks.

Celery's Django fixup closed Django's connection pool after every task under the prefork
pool: each poll opened a new PostgreSQL connection (a server process forked per task).
With CELERY_DB_REUSE_MAX the pool stays open and each task's connection goes back to it.
"""

from __future__ import annotations

import pytest
from django.db import connection

from liveapp.celery import app
from scoreboard.feeds.models import Provider

from .conftest import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

TASKS = 30


def sessions_opened() -> int:
    """Sessions PostgreSQL has counted on this database so far (ended ones included)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def test_it_polls_many_times_over_the_same_connections(worker_factory) -> None:
    # Pull providers whose feed refuses connections: each poll reads and writes its row.
    names = [f"conn-{n}" for n in range(TASKS)]
    Provider.objects.bulk_create(
        Provider(name=name, kind=Provider.Kind.PULL, pull_url="http://127.0.0.1:9/feed.json")
        for name in names
    )
    worker_factory(concurrency=1)
    app.send_task("scoreboard.feeds.tasks.poll_provider", (names[0],))
    first_polled = Provider.objects.filter(pk=names[0], last_polled_at__isnull=False).exists
    wait_for(first_polled, timeout=60, what="the worker's first poll")
    before = sessions_opened()

    for name in names[1:]:
        app.send_task("scoreboard.feeds.tasks.poll_provider", (name,))
    polled = Provider.objects.filter(pk__in=names, last_polled_at__isnull=False).count
    wait_for(lambda: polled() == TASKS, timeout=60, what="every poll")

    # Before the fix: one new session per task (29 here). Our own test connection and
    # the stats' own timing leave a little slack.
    assert sessions_opened() - before <= 3
