"""Embedded mode (SQLite, Celery eager in the web process), as `make run` serves it
without Redis or PostgreSQL: simulated matches pushed to the webhook end exactly as the
simulator recorded them. The ingest SQL (scoreboard/sql.py, feeds/reads.py) runs there
statement by statement instead of pipelined."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.asgi_server import REPO, free_port
from tests.support.embedded import embedded_env, manage, runserver

from .conftest import truth_state, wait_for

pytestmark = pytest.mark.slow


def sqlite_state(db: Path, event_id: int) -> dict:
    """What the event page would show, read from the embedded database."""
    with sqlite3.connect(db) as conn:
        status, home, away, period, periods = conn.execute(
            "SELECT status, home_score, away_score, period, period_scores"
            " FROM scoreboard_event WHERE id = ?",
            [event_id],
        ).fetchone()
        incidents = conn.execute(
            "SELECT kind, period, minute, side, player, points FROM scoreboard_incident"
            " WHERE event_id = ? AND cancelled = 0 AND kind NOT IN ('period_start', 'period_end')"
            " ORDER BY id",
            [event_id],
        ).fetchall()
    return {
        "status": status,
        "home": home,
        "away": away,
        "period": period,
        "period_scores": json.loads(periods),
        "incidents": [tuple(row) for row in incidents],
    }


def test_it_applies_pushed_matches_on_sqlite(tmp_path: Path) -> None:
    db = tmp_path / "embedded.sqlite3"
    env = embedded_env(db)
    manage(env, "migrate", "--no-input", "-v0")
    port = free_port()
    server = runserver(env, port)
    record_path = tmp_path / "record.json"
    try:

        def serving() -> bool:
            try:
                return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
            except httpx.TransportError:
                return False

        wait_for(serving, timeout=60, what="the embedded server")
        simulator = subprocess.run(
            [
                sys.executable, "manage.py", "simulate_feed", "--channels", "push",
                "--sports", "football,basketball,ice_hockey,tennis", "--short",
                "--speed", "3000", "--duplicates", "0.2", "--reorder", "0.2",
                "--malformed", "0.05", "--seed", "7", "--push-interval", "0.05",
                "--push-url", f"http://127.0.0.1:{port}/feeds/sim/push",
                "--record", str(record_path), "--linger", "60",
            ],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=240,
        )  # fmt: skip
        assert simulator.returncode == 0, simulator.stderr[-3000:]
        record = json.loads(record_path.read_text())
        # Pushes are applied inside each request (eager Celery): once the simulator is
        # done, so is ingestion; a moment for the last response's commit.
        time.sleep(0.5)
    finally:
        server.terminate()
        server.wait(timeout=10)

    assert sorted(match["sport"] for match in record.values()) == [
        "basketball",
        "football",
        "ice_hockey",
        "tennis",
    ]
    for match in record.values():
        assert sqlite_state(db, match["event_id"]) == truth_state(match["truth"]), match["sport"]
