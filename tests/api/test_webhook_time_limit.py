"""Item 7: a slow (but in-time) receiver never gets a change twice because a delivery run
outlived its Celery time limit: runs end between deliveries, before the soft limit.

A real prefork worker with a 3 s soft limit, a receiver answering each post in 0.4 s and
more changes than one run may deliver inside that limit.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.test_webhooks import REPO, Receiver, play, register, wait_for
from tests.support.asgi_server import server_database_url

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


class SlowReceiver(Receiver):
    def __init__(self, delay: float) -> None:
        super().__init__()
        handler = self.server.RequestHandlerClass
        do_post = handler.do_POST

        def slow_post(request: Any) -> None:
            time.sleep(delay)  # the receiver's own work, inside the 1 s timeout
            do_post(request)

        handler.do_POST = slow_post


@pytest.fixture
def limited_worker(django_db_blocker: Any) -> Iterator[Path]:
    """A prefork worker (time limits need it) with a 3 s soft limit; its log's path."""
    with django_db_blocker.unblock():
        database_url = server_database_url()
    workdir = Path(tempfile.mkdtemp(prefix="scoreline-wh-limit-"))
    log_path = workdir / "worker.log"
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        DEBUG="1",
        PYTHONUNBUFFERED="1",
        CELERY_TASK_SOFT_TIME_LIMIT="3",
        CELERY_TASK_TIME_LIMIT="5",
        WEBHOOK_TIMEOUT_SECONDS="1",
        WEBHOOK_RELAY_INTERVAL_SECONDS="0.5",
        WEBHOOK_ALLOW_LOOPBACK="1",  # the receiver listens on 127.0.0.1
    )
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "liveapp", "worker", "-B",
                "--pool", "prefork", "--concurrency", "1", "--purge", "--loglevel", "INFO",
                "--schedule", str(workdir / "beat-schedule"),
            ],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        try:
            wait_for(lambda: " ready." in log_path.read_text(errors="replace"), 60)
            yield log_path
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)


def test_it_ends_runs_before_the_time_limit_and_never_sends_a_change_twice(
    world, partner_client, limited_worker: Path
) -> None:
    with SlowReceiver(delay=0.4) as receiver:
        register(partner_client, receiver.url)
        expected = play(world, goals=11)  # 12 changes: ~5 s of posts, past the 3 s limit
        wait_for(lambda: len(receiver.accepted()) >= len(expected), 90)
        sent = [json.loads(body)["seq"] for _, body, _ in receiver.requests]
    log = limited_worker.read_text(errors="replace")
    assert "SoftTimeLimitExceeded" not in log and "TimeLimitExceeded" not in log
    assert [seq for seq, n in Counter(sent).items() if n > 1] == []
    assert sent == expected
