"""The Celery app: configured from Django settings (CELERY_* names)."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterable
from typing import Any

from billiard.process import current_process
from celery import Celery
from celery.signals import task_postrun, worker_process_init, worker_ready
from django.conf import settings
from django.db import close_old_connections
from prometheus_client import start_http_server

from liveapp.memory import freeze_startup_objects

logger = logging.getLogger(__name__)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liveapp.settings")

app = Celery("liveapp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect  # the main process: it runs the tasks under the solo pool
@worker_process_init.connect  # each prefork child
def _freeze(**_: object) -> None:
    freeze_startup_objects()


@worker_process_init.connect  # each prefork child, and a solo pool's main process
def _serve_worker_metrics(**_: object) -> None:
    # Whatever runs the tasks holds their counters: prefork child N serves them on the
    # port + N; the solo pool's process (no index) on the port itself.
    port = settings.WORKER_METRICS_PORT
    _serve_metrics(port + getattr(current_process(), "index", 0) if port else 0)


def _serve_metrics(port: int) -> None:
    """This process's Prometheus metrics on 127.0.0.1:`port` (0: not served)."""
    if not port:
        return
    try:
        start_http_server(port, addr="127.0.0.1")
    except OSError as exc:  # a port taken must not stop the worker from working
        logger.warning("worker metrics not served on port %s: %s", port, exc)


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
