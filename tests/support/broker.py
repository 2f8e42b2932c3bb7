"""The tests' Celery broker: empty its queues so no task of an earlier test or run leaks in.

Queues on RabbitMQ outlive the test run (unlike the flushed Redis database), and tasks
sent with no worker running (webhook kicks, for one) would otherwise pile up there.
"""

from __future__ import annotations

import contextlib

QUEUES = ("celery", "ingest")


def purge_queues() -> None:
    from liveapp.celery import app

    with app.connection_for_write() as connection:
        for name in QUEUES:
            # A queue not declared yet has nothing to purge (and closes the channel).
            with connection.channel() as channel, contextlib.suppress(*connection.channel_errors):
                channel.queue_purge(name)
