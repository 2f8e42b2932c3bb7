"""Acceptance 4: a poller of `after=` sees every sequence once, in order, none skipped,
while several connections write concurrently (real PostgreSQL transactions)."""

from __future__ import annotations

import random
import threading
import time

import pytest
from django.db import connection, transaction

from scoreboard import services
from scoreboard.models import Change

WRITERS = 4
WRITES_EACH = 15


def _writer(event_id: int, seed: int, errors: list[BaseException]) -> None:
    rng = random.Random(seed)
    try:
        for _ in range(WRITES_EACH):
            # Hold the transaction open a moment after appending: without the ordered
            # append a later sequence would commit first and a poller would step past.
            with transaction.atomic():
                services.record_score(event=event_id, side=rng.choice(["home", "away"]))
                time.sleep(rng.uniform(0, 0.01))
            time.sleep(rng.uniform(0, 0.005))
    except BaseException as exc:  # reported by the test thread
        errors.append(exc)
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_it_delivers_every_sequence_once_in_order_under_concurrent_writes(
    world, partner_client
) -> None:
    for event in world.events:
        services.change_status(event=event, status="live")
    after = Change.objects.order_by("-id").values_list("id", flat=True).first()
    start = after
    seen: list[int] = []
    errors: list[BaseException] = []
    threads = [
        threading.Thread(target=_writer, args=(event.pk, i, errors))
        for i, event in enumerate(world.events[:WRITERS])
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        writing = any(t.is_alive() for t in threads)
        page = partner_client.get("/api/v1/changes", {"after": after, "limit": 7}).json()
        seen.extend(c["seq"] for c in page["changes"])
        assert page["last_seq"] == (page["changes"][-1]["seq"] if page["changes"] else after)
        after = page["last_seq"]
        if not writing and not page["changes"]:
            break
    for thread in threads:
        thread.join()
    assert not errors, errors
    committed = list(
        Change.objects.filter(id__gt=start).order_by("id").values_list("id", flat=True)
    )
    assert len(committed) == WRITERS * WRITES_EACH
    assert seen == committed  # every sequence, once, in order: none skipped


@pytest.mark.django_db(transaction=True)
def test_it_holds_a_long_poll_until_a_change_arrives(world, partner_client) -> None:
    event = services.change_status(event=world.events[0], status="live")
    latest = Change.objects.order_by("-id").values_list("id", flat=True).first()

    def score_soon() -> None:
        time.sleep(0.6)
        services.record_score(event=event.pk, side="home")
        connection.close()

    writer = threading.Thread(target=score_soon)
    writer.start()
    started = time.monotonic()
    page = partner_client.get("/api/v1/changes", {"after": latest, "wait": 10}).json()
    waited = time.monotonic() - started
    writer.join()
    assert [c["kind"] for c in page["changes"]] == ["score"]
    assert page["changes"][0]["payload"]["event"]["home_score"] == 1
    assert 0.5 < waited < 10
    assert f"after={page['last_seq']}" in page["next"]


@pytest.mark.django_db
def test_it_bounds_the_long_poll_wait(partner_client) -> None:
    response = partner_client.get("/api/v1/changes", {"wait": 26})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert "wait" in response.json()["fields"]
