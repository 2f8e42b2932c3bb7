"""Acceptance 5: webhooks against a real local receiver and a real Celery worker process."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from scoreboard import services
from scoreboard.models import Change
from scoreboard.partners.models import Webhook, WebhookDelivery
from tests.support.asgi_server import server_database_url

REPO = Path(__file__).resolve().parents[2]
SECRET = "receiver-shared-secret-0123456789"


def docs_verify() -> Callable[..., bool]:
    """The signature check exactly as docs/API.md shows it."""
    text = (REPO / "docs" / "API.md").read_text()
    block = next(b for b in re.findall(r"```python\n(.*?)```", text, re.S) if "def verify" in b)
    namespace: dict[str, Any] = {}
    exec(block, namespace)
    return namespace["verify"]


class Receiver:
    """A partner's endpoint: records every request; fails the first `fail_first` ones."""

    def __init__(self, fail_first: int = 0) -> None:
        self.fail_first = fail_first
        self.requests: list[tuple[dict[str, str], bytes, int]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    status = 500 if len(receiver.requests) < receiver.fail_first else 200
                    receiver.requests.append((dict(self.headers), body, status))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def accepted(self) -> list[tuple[dict[str, str], bytes]]:
        with self.lock:
            return [(h, b) for h, b, status in self.requests if status == 200]

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def celery_worker(django_db_setup: None, django_db_blocker: Any) -> Iterator[subprocess.Popen]:
    """A real worker with embedded beat on the test database; fast backoff for the test."""
    with django_db_blocker.unblock():
        database_url = server_database_url()
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DEBUG="1",
        WEBHOOK_RETRY_BASE_SECONDS="0.3",
        WEBHOOK_RELAY_INTERVAL_SECONDS="0.5",
        WEBHOOK_ALLOW_LOOPBACK="1",  # the receiver listens on 127.0.0.1
        PYTHONUNBUFFERED="1",
    )
    workdir = tempfile.mkdtemp(prefix="scoreline-h5-worker-")
    log = open(Path(workdir) / "worker.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "liveapp",
            "worker",
            "-B",
            "--pool",
            "solo",
            "--purge",
            "--loglevel",
            "WARNING",
            "--schedule",
            str(Path(workdir) / "beat-schedule"),
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    time.sleep(3)  # worker boot; deliveries are awaited with deadlines below anyway
    assert process.poll() is None, (Path(workdir) / "worker.log").read_text()
    yield process
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
    log.close()


def wait_for(condition: Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting for deliveries")


def register(partner_client: Any, url: str) -> int:
    response = partner_client.post(
        "/api/v1/webhooks", {"url": url, "secret": SECRET}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def play(world: Any, goals: int) -> list[int]:
    """Make changes through the services; their sequences, in order."""
    start = Change.objects.order_by("-id").values_list("id", flat=True).first()
    event = services.change_status(event=world.events[0], status="live")
    for i in range(goals):
        event = services.record_score(event=event, side="home" if i % 2 else "away")
    return list(Change.objects.filter(id__gt=start).order_by("id").values_list("id", flat=True))


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_it_delivers_signed_changes_in_sequence_order(world, partner_client, celery_worker) -> None:
    verify = docs_verify()
    with Receiver() as receiver:
        register(partner_client, receiver.url)
        expected = play(world, goals=5)
        wait_for(lambda: len(receiver.accepted()) >= len(expected))
        time.sleep(1)  # nothing more (no duplicates) arrives afterwards
        accepted = receiver.accepted()
    assert [json.loads(body)["seq"] for _, body in accepted] == expected
    for headers, body in accepted:
        assert verify(SECRET, body, headers["Scoreline-Signature"])
        assert not verify("wrong-secret-wrong-secret", body, headers["Scoreline-Signature"])
        assert (
            headers["Idempotency-Key"]
            == headers["Scoreline-Sequence"]
            == str(json.loads(body)["seq"])
        )
    assert json.loads(accepted[-1][1])["payload"]["event"]["home_score"] == 2


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_it_retries_a_failing_receiver_and_delivers_every_change_once(
    world, partner_client, celery_worker
) -> None:
    with Receiver(fail_first=2) as receiver:
        hook_id = register(partner_client, receiver.url)
        expected = play(world, goals=3)
        wait_for(lambda: len(receiver.accepted()) >= len(expected))
        time.sleep(1)
        attempts = [h["Idempotency-Key"] for h, _, _ in receiver.requests]
        accepted = [json.loads(body)["seq"] for _, body in receiver.accepted()]
    first = str(expected[0])
    # The first change was tried three times (500, 500, 200) before anything else was sent.
    assert attempts[:3] == [first, first, first]
    assert accepted == expected  # each change acknowledged exactly once, in order
    log = list(WebhookDelivery.objects.filter(webhook_id=hook_id).order_by("id"))
    assert [(d.sequence, d.ok) for d in log[:3]] == [
        (expected[0], False),
        (expected[0], False),
        (expected[0], True),
    ]
    webhook = Webhook.objects.get(pk=hook_id)
    assert (webhook.cursor, webhook.consecutive_failures, webhook.active) == (expected[-1], 0, True)
