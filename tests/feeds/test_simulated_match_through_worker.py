"""Acceptance 1: simulated matches of the four sports, delivered by push (webhook) and by
pull (polled feed) with duplicates 20%, reordering 20% and malformed messages 5%, end
in a real Celery worker with exactly the simulator's final score and incidents."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile

import pytest

from scoreboard.feeds.models import ProcessedMessage, QuarantinedMessage
from scoreboard.models import Event
from tests.support.asgi_server import REPO, AsgiServer, free_port, server_database_url

from .conftest import FEED_ENV, final_state, truth_state, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_it_ends_every_match_as_the_simulator_recorded_it(worker_factory) -> None:
    database_url = server_database_url()
    env = {**FEED_ENV, "FEED_POLL_INTERVAL_SECONDS": "0.5"}
    worker_factory(beat=True, env=env)
    record_path = tempfile.mktemp(prefix="scoreline-sim-", suffix=".json")
    with AsgiServer(database_url=database_url, redis_url=os.environ["REDIS_URL"], env=env) as web:
        simulator = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "simulate_feed",
                "--channels",
                "push,pull",
                "--sports",
                "football,basketball,ice_hockey,tennis",
                "--short",  # the quick format: the same rules, fewer baskets and points
                "--speed",
                "3000",
                "--duplicates",
                "0.2",
                "--reorder",
                "0.2",
                "--malformed",
                "0.05",
                "--seed",
                "42",
                "--port",
                str(free_port()),
                "--push-url",
                f"{web.url}/feeds/sim/push",
                "--push-interval",
                "0.05",
                "--record",
                record_path,
                "--linger",
                "150",
            ],
            cwd=REPO,
            env={**os.environ, **env, "DATABASE_URL": database_url, "DEBUG": "1"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for(lambda: os.path.exists(record_path), timeout=60, what="the matches")
            with open(record_path) as handle:
                record = json.load(handle)

            def all_final() -> bool:
                return all(
                    final_state(Event.objects.get(pk=match["event_id"]))
                    == truth_state(match["truth"])
                    for match in record.values()
                )

            # On a timeout the comparisons below say which match differs, and how.
            with contextlib.suppress(AssertionError):
                wait_for(all_final, timeout=90, interval=1, what="every match's final state")
        finally:
            simulator.kill()
            simulator.wait()
    # Four sports, each by push (webhook) and by pull (polled feed).
    assert sorted((m["sport"], tuple(m["channels"])) for m in record.values()) == sorted(
        (sport, (channel,))
        for sport in ("football", "basketball", "ice_hockey", "tennis")
        for channel in ("push", "pull")
    )

    for match in record.values():
        event = Event.objects.get(pk=match["event_id"])
        assert final_state(event) == truth_state(match["truth"]), (match["sport"], match)
        if match["sport"] == "tennis":
            assert event.state["points"] == [0, 0]
    # The faults were there, and were handled: repeats were not recorded twice,
    # malformed input went to quarantine, and both providers delivered.
    assert QuarantinedMessage.objects.filter(reason__startswith="malformed").exists()
    assert set(ProcessedMessage.objects.values_list("provider", flat=True)) == {"sim", "simpull"}
