"""The tests' Celery broker: empty its queues so no task of an earlier test or run leaks in.

Queues on RabbitMQ outlive the test run (unlike the flushed Redis database), and tasks
sent with no worker running (webhook kicks, for one) would otherwise pile up there.
"""

from __future__ import annotations

QUEUES = ("celery", "ingest")


def purge_queues() -> None:
    from liveapp.celery import purge_queues as purge

    purge(QUEUES)
