"""Fixtures for feed tests: real Celery worker processes on Redis and the test database,
simulated matches, and helpers comparing our events with the simulator's record.

Tests that use worker processes commit their rows: `django_db(transaction=True)`.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from scoreboard.feeds.models import Provider
from scoreboard.feeds.simulator.engine import SimMatch
from scoreboard.feeds.simulator.setup import create_match_event, ensure_provider
from scoreboard.models import Event, Incident
from tests.support.asgi_server import REPO, server_database_url
from tests.support.broker import purge_queues

SECRET = "test-feed-secret"
FEED_ENV = {"FEED_PUSH_SECRETS": f"sim={SECRET},bench={SECRET}"}


class CeleryWorker:
    """A `celery -A liveapp worker` subprocess in its own process group."""

    def __init__(
        self,
        *,
        database_url: str,
        env: dict[str, str] | None = None,
        beat: bool = False,
        concurrency: int = 2,
        pool: str = "prefork",
        prefetch: int = 1,
    ) -> None:
        self.database_url = database_url
        self.extra_env = env or {}
        self.beat = beat
        self.concurrency = concurrency
        self.pool = pool  # "solo" with a large prefetch: an ingest partition of the Procfile
        self.prefetch = prefetch
        self.process: subprocess.Popen[bytes] | None = None
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - lives with the worker
            prefix="scoreline-worker-", suffix=".log", delete=False
        )

    def start(self) -> CeleryWorker:
        env = dict(os.environ)
        env.update({"DATABASE_URL": self.database_url, "DEBUG": "1", "PYTHONUNBUFFERED": "1"})
        env.update(FEED_ENV)
        env.update(self.extra_env)
        command = [
            sys.executable, "-m", "celery", "-A", "liveapp", "worker", "-Q", "celery,ingest",
            "-c", str(self.concurrency), "-P", self.pool, "--prefetch-multiplier",
            str(self.prefetch), "-l", "warning", "--without-gossip", "--without-mingle",
            "--without-heartbeat",
        ]  # fmt: skip
        if self.beat:
            schedule = tempfile.mktemp(prefix="scoreline-beat-")
            command += ["-B", "--schedule", schedule]
        self.process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        return self

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool): nothing gets to clean up."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_tail(self, lines: int = 40) -> str:
        self.log.flush()
        return "\n".join(Path(self.log.name).read_text(errors="replace").splitlines()[-lines:])


@pytest.fixture
def flushed_redis() -> Iterator[redis.Redis]:
    """The test Redis database and the broker's queues, empty: no task of an earlier test
    leaks in."""
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    client.flushdb()
    purge_queues()
    yield client
    client.flushdb()
    purge_queues()


@pytest.fixture
def worker_factory(flushed_redis: redis.Redis) -> Iterator[Any]:
    started: list[CeleryWorker] = []

    def factory(**kwargs: Any) -> CeleryWorker:
        worker = CeleryWorker(database_url=server_database_url(), **kwargs).start()
        started.append(worker)
        return worker

    yield factory
    for worker in started:
        worker.stop()


def wait_for(predicate: Any, timeout: float, interval: float = 0.25, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what or predicate}")


def simulated_messages(
    sport: str, seed: int, match_id: str, clock: bool = True
) -> tuple[list[dict], dict]:
    """A whole match as the provider sends it, in order, and the simulator's truth."""
    match = SimMatch(match_id=match_id, sport=sport, rng=random.Random(seed))
    messages = []
    for _, message in match.play():
        if not clock:
            message.pop("clock", None)
        messages.append(message)
    return messages, match.truth()


def new_match_event(sport: str, match_id: str, provider: str = "sim") -> Event:
    ensure_provider(provider, Provider.Kind.PUSH)
    return create_match_event(
        sport_kind=sport, providers=[provider], match_id=match_id, priorities={}
    )


def incident_rows(event: Event) -> list[tuple]:
    return [
        (i.kind, i.period, i.minute, i.side, i.player, i.points)
        for i in Incident.objects.filter(event=event, cancelled=False)
        .exclude(kind__in=["period_start", "period_end"])
        .order_by("id")
    ]


def truth_rows(truth: dict) -> list[tuple]:
    return [
        (i["kind"], i["period"], i["minute"], i["side"], i["player"], i["points"])
        for i in truth["incidents"]
    ]


def final_state(event: Event) -> dict:
    event.refresh_from_db()
    return {
        "status": event.status,
        "home": event.home_score,
        "away": event.away_score,
        "period": event.period,
        "period_scores": event.period_scores,
        "incidents": incident_rows(event),
    }


def truth_state(truth: dict) -> dict:
    return {
        "status": truth["status"],
        "home": truth["home"],
        "away": truth["away"],
        "period": truth["period"],
        "period_scores": truth["period_scores"],
        "incidents": truth_rows(truth),
    }
