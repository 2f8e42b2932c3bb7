"""A production install is `pip install -r requirements.txt`: no test tool, and the site
runs on it (a fresh virtualenv, DEBUG=0, served by uvicorn)."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.support.asgi_server import free_port

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
# What only the tests, lint and benchmarks use: none of it may reach production.
TEST_TOOLS = {
    "pytest", "pytest-django", "pytest-timeout", "pytest-rerunfailures", "playwright",
    "schemathesis", "hypothesis", "factory-boy", "faker", "ruff", "werkzeug", "greenlet",
}  # fmt: skip


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.split(r"[=<>\[ ;]", requirement.strip())[0]).lower()


def test_requirements_txt_names_no_test_tool_and_the_dev_file_includes_it() -> None:
    runtime = {_name(line) for line in (ROOT / "requirements.txt").read_text().splitlines()}
    assert not runtime & TEST_TOOLS
    dev = (ROOT / "requirements-dev.txt").read_text().splitlines()
    assert dev[0] == "-r requirements.txt"
    assert {_name(line) for line in dev[1:]} >= TEST_TOOLS


def _get(url: str, **headers: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_the_site_runs_on_a_runtime_only_install(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = str(venv / "bin" / "python")
    subprocess.run(
        [python, "-m", "pip", "install", "-q", "-r", str(ROOT / "requirements.txt")],
        check=True, timeout=900, capture_output=True,
    )  # fmt: skip
    listed = subprocess.run(
        [python, "-m", "pip", "list", "--format=json"],
        check=True, timeout=120, capture_output=True, text=True,
    )  # fmt: skip
    installed = {_name(package["name"]) for package in json.loads(listed.stdout)}
    assert not installed & TEST_TOOLS, installed & TEST_TOOLS

    # Production settings, embedded mode (no services needed), behind a TLS proxy.
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DEBUG", "DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "PYTHONPATH")
    }
    env |= {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1",
        "CSRF_TRUSTED_ORIGINS": "https://127.0.0.1",
        "METRICS_TOKEN": secrets.token_urlsafe(32),
        "BEHIND_TLS_PROXY": "1",
        "SQLITE_PATH": str(tmp_path / "db.sqlite3"),
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    for command in (
        ["check", "--deploy", "--fail-level", "WARNING"],
        ["migrate", "--no-input", "-v0"],
        ["collectstatic", "--no-input", "-v0"],
    ):
        done = subprocess.run(
            [python, "manage.py", *command],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, (command, done.stdout, done.stderr)

    port = free_port()
    server = subprocess.Popen(
        [python, "-m", "uvicorn", "liveapp.asgi:application", "--host", "127.0.0.1",
         "--port", str(port), "--lifespan", "off"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    https = {"X-Forwarded-Proto": "https"}
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _get(f"{base}/healthz", **https)[0] == 200:
                    break
            except OSError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
        status, page = _get(f"{base}/", **https)
        assert status == 200 and b"Scoreline" in page
        assert _get(f"{base}/static/js/live.js", **https)[0] == 200
        assert _get(f"{base}/api/v1/schema/", **https)[0] == 200
    finally:
        server.terminate()
        server.wait(timeout=30)
