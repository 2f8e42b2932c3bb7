"""Test setup: the suite runs on real PostgreSQL and Redis (see Makefile `test`).

If either is unreachable the run stops at once with one line saying how to start it.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

import pytest

_START_HINTS = {
    "PostgreSQL": "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    "Redis": "redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no",
    "Celery broker": "rabbitmq-server -detached",
}


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), 2
        ):
            return True
    except OSError:
        return False


def pytest_sessionstart(session: pytest.Session) -> None:
    checks = [
        ("PostgreSQL", os.environ.get("DATABASE_URL", ""), 5432),
        ("Redis", os.environ.get("REDIS_URL", ""), 6379),
        ("Celery broker", os.environ.get("CELERY_BROKER_URL", ""), 5672),
    ]
    for name, url, port in checks:
        if not url:
            pytest.exit(f"{name} URL not set: run the suite with `make test`", returncode=3)
        if not _reachable(url, port):
            pytest.exit(
                f"{name} is not reachable at {url}; start it with: {_START_HINTS[name]}",
                returncode=3,
            )
    from tests.support.broker import purge_queues

    purge_queues()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # A real browser on a shared 2-core machine now and then misses a deadline for
    # reasons outside the code under test; one rerun, reported as such in the summary
    # ("R"), keeps a single slow tick from failing the run. Nothing else is retried.
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.flaky(reruns=1, reruns_delay=1))
