"""Concurrent writers on PostgreSQL: each thread has its own connection and transaction."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection, transaction

from scoreboard import services
from scoreboard.models import Change
from scoreboard.services.changelog import CHANGE_LOG_LOCK

pytestmark = pytest.mark.django_db(transaction=True)


def run_in_thread(target: Callable[[], None], failures: list[BaseException]) -> threading.Thread:
    def body() -> None:
        try:
            target()
        except BaseException as exc:  # reported by the test, not lost in the thread
            failures.append(exc)
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=body)
    thread.start()
    return thread


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.02)


def test_it_logs_two_simultaneous_scores_in_strict_order_without_losing_one(make_event) -> None:
    event = make_event("basketball", live=True)
    start = event.version
    both_ready = threading.Barrier(2)
    failures: list[BaseException] = []

    def score(side: str, points: int) -> Callable[[], None]:
        def write() -> None:
            both_ready.wait(timeout=10)
            services.record_score(event=event.pk, side=side, points=points)

        return write

    threads = [run_in_thread(score("home", 2), failures), run_in_thread(score("away", 3), failures)]
    for thread in threads:
        thread.join(timeout=30)

    assert not failures
    changes = list(Change.objects.filter(event=event, version__gt=start).order_by("id"))
    assert [c.version for c in changes] == [start + 1, start + 2]
    assert changes[0].id < changes[1].id
    event.refresh_from_db()
    assert (event.home_score, event.away_score, event.version) == (2, 3, start + 2)
    # The later change's snapshot already contains the earlier one: nothing was overwritten.
    last = changes[1].payload["event"]
    assert (last["home_score"], last["away_score"]) == (2, 3)


def waiting_for_change_log_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            " AND objid = %s"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            [CHANGE_LOG_LOCK],
        )
        return cursor.fetchone()[0]


def test_it_never_shows_a_later_commit_with_a_smaller_change_id(make_event) -> None:
    slow, fast = make_event("football", live=True), make_event("football", live=True)
    appended, release = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def slow_writer() -> None:
        with transaction.atomic():
            services.record_score(event=slow.pk, side="home")  # takes its sequence value
            appended.set()
            release.wait(timeout=30)  # ... and commits only when told

    def fast_writer() -> None:
        services.record_score(event=fast.pk, side="away")  # another event: no row lock

    slow_thread = run_in_thread(slow_writer, failures)
    assert appended.wait(timeout=20)
    fast_thread = run_in_thread(fast_writer, failures)
    wait_for(lambda: waiting_for_change_log_lock() == 1, "the fast writer to queue on the log")

    # While the slow transaction is open a reader sees neither change.
    assert not Change.objects.filter(event__in=[slow, fast], kind="score").exists()

    release.set()
    slow_thread.join(timeout=30)
    fast_thread.join(timeout=30)
    assert not failures
    slow_id = Change.objects.get(event=slow, kind="score").id
    fast_id = Change.objects.get(event=fast, kind="score").id
    assert slow_id < fast_id
