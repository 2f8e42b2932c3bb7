"""Fail fast, in one line, when a service the test suite needs is down.

Run by `make test` before pytest so an unreachable PostgreSQL, Redis or RabbitMQ (the
Celery broker of the tests) gives one line
saying how to start it, not a pile of tracebacks.
"""

from __future__ import annotations

import os
import socket
import sys
from urllib.parse import urlparse

START_HINTS = {
    "PostgreSQL": "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    "Redis": "redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no",
    "RabbitMQ": "rabbitmq-server -detached",
}


def reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    address = (parsed.hostname or "127.0.0.1", parsed.port or default_port)
    try:
        with socket.create_connection(address, timeout=2):
            return True
    except OSError:
        return False


def main() -> int:
    checks = [
        ("PostgreSQL", "DATABASE_URL", 5432),
        ("Redis", "REDIS_URL", 6379),
        ("RabbitMQ", "CELERY_BROKER_URL", 5672),
    ]
    for name, variable, port in checks:
        url = os.environ.get(variable, "")
        if not url:
            print(f"{variable} is not set: run the suite with `make test`", file=sys.stderr)
            return 1
        if not reachable(url, port):
            print(
                f"{name} is not reachable at {url}; start it with: {START_HINTS[name]}",
                file=sys.stderr,
            )
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
