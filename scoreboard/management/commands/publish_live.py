"""`manage.py publish_live`: the outbox publisher process (scoreboard/live/outbox.py).

Publishes the changes ingestion workers commit in batches, rendering each event once
per wake-up. Distributed mode only (it needs Redis); run exactly one.
"""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from prometheus_client import start_http_server

from liveapp.memory import freeze_startup_objects
from scoreboard.live import outbox


class Command(BaseCommand):
    help = "Publish batched changes (ingestion) to live viewers, coalesced per event."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--metrics-port", type=int, default=0, help="serve this process's /metrics here"
        )

    def handle(self, *args: Any, metrics_port: int, **options: Any) -> None:
        if settings.EMBEDDED:
            raise CommandError("publish_live needs REDIS_URL (embedded mode publishes inline)")
        if metrics_port:
            start_http_server(metrics_port, addr="127.0.0.1")
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        self.stdout.write(f"publish_live: listening on {outbox.wake_channel()}")
        freeze_startup_objects()
        outbox.run(stop)
