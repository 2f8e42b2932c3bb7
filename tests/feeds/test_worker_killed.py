"""Acceptance 3: SIGKILL the worker in the middle of a run of batches and start a new
one: every message is applied exactly once (final state and change-log count)."""

from __future__ import annotations

import time

import psycopg
import pytest

from scoreboard.feeds.ingest import ingest_batch
from scoreboard.feeds.models import ProcessedMessage
from scoreboard.feeds.tasks import ingest_batch_task
from scoreboard.models import Change
from tests.support.asgi_server import server_database_url

from .conftest import final_state, new_match_event, simulated_messages, truth_state, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# The broker (RabbitMQ in the test suite) hands the killed worker's unacked batches to
# the next worker as soon as its connection drops (tasks are idempotent).
# Two kinds of worker: the generic prefork one, and an ingest partition as the Procfile
# runs it (solo pool, large prefetch), where one flush takes several batches and the
# rest wait in the worker unacknowledged when the kill lands.
WORKERS: dict[str, dict] = {
    "prefork": {"concurrency": 1},
    "partition": {
        "concurrency": 1,
        "pool": "solo",
        "prefetch": 128,
        "env": {"FEED_INGEST_FLUSH_EVERY": "2"},
    },
}


@pytest.mark.parametrize("kind", WORKERS)
def test_it_applies_every_message_exactly_once_across_a_killed_worker(
    worker_factory, kind: str
) -> None:
    matches = []
    for n, sport in enumerate(("football", "ice_hockey", "football")):
        match_id = f"kill-{sport}-{n}"
        messages, truth = simulated_messages(sport, seed=20 + n, match_id=match_id, clock=False)
        matches.append((new_match_event(sport, match_id), messages, truth))
    # The reference: the same messages applied in order in this process.
    reference = {}
    for event, messages, _ in matches:
        twin_id = f"twin-{event.pk}"
        twin = new_match_event(event.competition.sport.kind, twin_id)
        twins = [dict(m, match=twin_id, id=f"twin-{m['id']}") for m in messages]
        ingest_batch(provider="sim", raw_messages=twins, received_at=time.time())
        reference[event.pk] = Change.objects.filter(event=twin).count()

    total = sum(len(messages) for _, messages, _ in matches)

    def sim_processed() -> int:
        return ProcessedMessage.objects.filter(
            provider="sim", message_id__startswith="kill-"
        ).count()

    with psycopg.connect(server_database_url()) as blocker:
        if kind == "partition":
            # The partition worker is fast: hold the last match's event, so its flushes
            # wait (the first matches commit meanwhile) and the kill lands mid-run.
            blocker.execute(
                "SELECT id FROM scoreboard_event WHERE id = %s FOR UPDATE", [matches[-1][0].pk]
            )
        worker = worker_factory(**WORKERS[kind])
        for _, messages, _ in matches:
            for start in range(0, len(messages), 4):
                ingest_batch_task.apply_async(("sim", messages[start : start + 4], time.time()))
        wait_for(lambda: sim_processed() >= total // 4, timeout=60, interval=0.05, what="progress")
        worker.kill()
        killed_at = sim_processed()
        blocker.rollback()
    assert killed_at < total, "the worker finished before it could be killed"

    worker_factory(**WORKERS[kind])
    wait_for(lambda: sim_processed() == total, timeout=90, interval=0.5, what="all messages")
    time.sleep(3)  # any redelivered batch would land now; it must change nothing
    assert sim_processed() == total
    for event, _, truth in matches:
        assert final_state(event) == truth_state(truth)
        assert Change.objects.filter(event=event).count() == reference[event.pk]
