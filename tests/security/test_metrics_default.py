"""`/metrics` is closed by default in production, and only a Bearer token opens it."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
TOKEN = "scrape-token-for-tests"


def test_it_refuses_metrics_in_production_without_a_token(client: Client, settings) -> None:
    settings.DEBUG = False
    settings.METRICS_TOKEN = ""
    response = client.get("/metrics")
    assert response.status_code == 403
    assert response.json()["error"] == "metrics_disabled"
    assert b"scoreline_" not in response.content


def test_it_accepts_the_token_only_as_a_bearer_token(client: Client, settings) -> None:
    settings.METRICS_TOKEN = TOKEN
    for refused in (TOKEN, f"Basic {TOKEN}", f"Bearer{TOKEN}", f"Token {TOKEN}"):
        response = client.get("/metrics", headers={"Authorization": refused})
        assert response.status_code == 401, refused
        assert b"scoreline_" not in response.content
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert b"scoreline_" in response.content


def _check_deploy(**extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "METRICS_TOKEN")}
    env |= {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "scores.example.com",
        "CSRF_TRUSTED_ORIGINS": "https://scores.example.com",
        **extra,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_check_deploy_warns_when_no_metrics_token_is_set() -> None:
    done = _check_deploy()
    assert done.returncode != 0
    assert "scoreline.W001" in done.stderr + done.stdout
    assert "METRICS_TOKEN is not set" in done.stderr + done.stdout


def test_check_deploy_is_clean_with_a_metrics_token() -> None:
    done = _check_deploy(METRICS_TOKEN=secrets.token_urlsafe(32))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues (0 silenced)." in done.stdout
