"""The Celery app: configured from Django settings (CELERY_* names)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from typing import Any

from celery import Celery
from celery.signals import task_postrun, worker_process_init, worker_ready
from django.db import close_old_connections

from liveapp.memory import freeze_startup_objects

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liveapp.settings")

app = Celery("liveapp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect  # the main process: it runs the tasks under the solo pool
@worker_process_init.connect  # each prefork child
def _freeze(**_: object) -> None:
    freeze_startup_objects()


@task_postrun.connect
def _return_db_connections(sender: Any = None, **_: object) -> None:
    """Each task's connection goes back to the pool (or is dropped if broken): Celery's
    fixup only closes connections every CELERY_DB_REUSE_MAX tasks (settings)."""
    if not getattr(getattr(sender, "request", None), "is_eager", False):
        close_old_connections()


def purge_queues(names: Iterable[str]) -> None:
    """Empty these broker queues (tests, benchmarks): RabbitMQ's outlive a run."""
    with app.connection_for_write() as connection:
        for name in names:
            # A queue not declared yet has nothing to purge (and closes the channel).
            with connection.channel() as channel, contextlib.suppress(*connection.channel_errors):
                channel.queue_purge(name)
