"""Celery workers export their ingestion metrics (WORKER_METRICS_PORT): a scrape of the
worker process that applied a batch shows the messages by outcome and their latency."""

from __future__ import annotations

import socket
import time
import urllib.request

import pytest

from scoreboard.feeds.models import ProcessedMessage
from scoreboard.feeds.tasks import ingest_batch_task

from .conftest import new_match_event, simulated_messages, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        return response.read().decode()


def metric(text: str, line_start: str) -> float:
    for line in text.splitlines():
        if line.startswith(line_start):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


@pytest.mark.parametrize("pool", ["solo", "prefork"])
def test_a_worker_serves_the_metrics_of_what_it_applied(worker_factory, pool: str) -> None:
    port = free_port()
    worker = worker_factory(concurrency=1, pool=pool, env={"WORKER_METRICS_PORT": str(port)})
    match_id = f"metrics-{pool}"
    new_match_event("football", match_id)
    messages, _ = simulated_messages("football", seed=3, match_id=match_id, clock=False)

    ingest_batch_task.apply_async(("sim", messages[:5], time.time()), queue="ingest")
    done = ProcessedMessage.objects.filter(provider="sim", message_id__startswith=match_id).count
    wait_for(lambda: done() == 5, timeout=60, what="the worker's batch")

    text = scrape(port)
    for outcome in ("applied", "unchanged"):  # as the worker recorded them
        recorded = ProcessedMessage.objects.filter(
            provider="sim", message_id__startswith=match_id, outcome=outcome
        ).count()
        line = f'scoreline_feed_messages_total{{outcome="{outcome}",provider="sim"}}'
        assert metric(text, line) == recorded
    applied = metric(text, 'scoreline_feed_messages_total{outcome="applied",provider="sim"}')
    assert applied >= 4
    latencies = metric(text, 'scoreline_feed_receive_to_commit_seconds_count{provider="sim"}')
    assert latencies == applied
    assert "worker metrics not served" not in worker.log_tail(400)  # bound once, cleanly
