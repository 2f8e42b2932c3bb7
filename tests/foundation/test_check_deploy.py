"""Production settings pass Django's deployment checklist."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_it_reports_no_deployment_issues_with_production_settings() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG",)}
    env |= {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "scores.example.com",
        "CSRF_TRUSTED_ORIGINS": "https://scores.example.com",
        "METRICS_TOKEN": secrets.token_urlsafe(32),
    }
    assert env.get("DATABASE_URL") and env.get("REDIS_URL")  # the distributed topology
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues (0 silenced)." in done.stdout
