"""Dead letter: a batch that keeps failing with a transient error is retried a bounded
number of times, then kept in the quarantine (nothing applied, nothing lost), and staff
can retry it from the admin once the cause is gone.

The failure is real: the test holds a row lock on the event while the worker's
connections have a short `lock_timeout` (libpq's PGOPTIONS), so every attempt fails
with PostgreSQL's "canceling statement due to lock timeout" (an OperationalError).
"""

from __future__ import annotations

import time

import psycopg
import pytest

from scoreboard.feeds.models import ProcessedMessage, QuarantinedMessage
from scoreboard.feeds.tasks import ingest_batch_task
from scoreboard.models import Event
from tests.support.asgi_server import server_database_url

from .conftest import new_match_event, simulated_messages, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

WORKER_ENV = {
    "PGOPTIONS": "-c lock_timeout=300",
    "FEED_TASK_MAX_RETRIES": "2",
    "FEED_RETRY_BACKOFF_MAX": "0.3",
}


def test_it_dead_letters_a_batch_after_the_last_retry_and_staff_can_retry_it(
    worker_factory, admin_client
) -> None:
    event = new_match_event("football", "dead-letter")
    messages, _ = simulated_messages("football", seed=11, match_id="dead-letter")
    batch = messages[:3]
    version = Event.objects.get(pk=event.pk).version

    with psycopg.connect(server_database_url()) as blocker:
        # Someone else holds the event row (a long transaction): the worker cannot lock it.
        blocker.execute("SELECT id FROM scoreboard_event WHERE id = %s FOR UPDATE", [event.pk])
        worker_factory(concurrency=1, env=WORKER_ENV)
        ingest_batch_task.apply_async(("sim", batch, time.time()))
        dead = QuarantinedMessage.objects.filter(reason__startswith="dead letter after 2 retries")
        wait_for(lambda: dead.count() == len(batch), timeout=60, what="the dead letters")
        blocker.rollback()

    assert all("lock timeout" in reason for reason in dead.values_list("reason", flat=True))
    # Nothing was applied, and nothing recorded as processed.
    assert Event.objects.get(pk=event.pk).version == version
    assert not ProcessedMessage.objects.filter(message_id__startswith="dead-letter").exists()

    # The lock is gone: a retry from the admin applies the batch.
    selected = [str(pk) for pk in dead.values_list("pk", flat=True)]
    response = admin_client.post(
        "/admin/feeds/quarantinedmessage/",
        {"action": "retry", "_selected_action": selected},
        follow=True,
    )
    assert "Retried 3; still malformed 0." in response.content.decode()
    event.refresh_from_db()
    assert (event.status, event.period) == (batch[-1]["status"], batch[-1]["period"])
    assert ProcessedMessage.objects.filter(message_id__startswith="dead-letter").count() == 3
