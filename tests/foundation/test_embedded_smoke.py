"""The embedded configuration (no Redis, no PostgreSQL): what `make run` serves."""

from __future__ import annotations

import re
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.support.embedded import embedded_env, manage, runserver

pytestmark = pytest.mark.slow


def free_port() -> int:
    """A free port in this area's range (8100-8199)."""
    for port in range(8150, 8200):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port in 8150-8199")


def test_it_migrates_seeds_and_serves_without_redis_or_postgresql(tmp_path: Path) -> None:
    env = embedded_env(tmp_path / "embedded.sqlite3")
    manage(env, "migrate", "--no-input", "-v0")
    output = manage(env, "seed_demo")
    assert "username: admin" in output and "password: scoreline-admin" in output

    port = free_port()
    server = runserver(env, port)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=10) as client:
            deadline = time.monotonic() + 60
            while True:
                try:
                    home = client.get("/")
                    break
                except httpx.TransportError:
                    assert server.poll() is None, "the server exited"
                    assert time.monotonic() < deadline, "the server did not start"
                    time.sleep(0.3)
            assert home.status_code == 200
            login = client.get("/admin/login/")
            assert login.status_code == 200
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text)[1]
            logged_in = client.post(
                "/admin/login/?next=/admin/",
                data={
                    "username": "admin",
                    "password": "scoreline-admin",
                    "csrfmiddlewaretoken": token,
                    "next": "/admin/",
                },
                follow_redirects=True,
            )
            assert logged_in.status_code == 200
            assert "Site administration" in logged_in.text
            events = client.get("/admin/scoreboard/event/?status=live_now")
            assert events.status_code == 200 and "Live" in events.text
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
