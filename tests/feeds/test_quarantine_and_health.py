"""Quarantine retried from the admin, and the "feed delayed" marker of silent feeds."""

from __future__ import annotations

import time

import pytest

from scoreboard.feeds.health import feed_delayed_event_ids
from scoreboard.feeds.ingest import ingest_batch
from scoreboard.feeds.models import QuarantinedMessage
from scoreboard.feeds.simulator.setup import create_match_event

from .conftest import new_match_event, simulated_messages

pytestmark = pytest.mark.django_db

QUARANTINE_ADMIN = "/admin/feeds/quarantinedmessage/"


def retry_in_admin(admin_client, ids: list[int]) -> str:
    response = admin_client.post(
        QUARANTINE_ADMIN,
        {"action": "retry", "_selected_action": [str(pk) for pk in ids]},
        follow=True,
    )
    assert response.status_code == 200
    return response.content.decode()


def test_it_applies_quarantined_messages_retried_from_the_admin(admin_client) -> None:
    new_match_event("football", "quarantine-known")  # the provider exists and is mapped
    messages, _ = simulated_messages("football", seed=5, match_id="quarantine-late")
    early = messages[:3]  # the fixture, kick-off and the next happening
    # They arrive before anyone mapped the match to an event: quarantined, not lost.
    ingest_batch(provider="sim", raw_messages=early, received_at=time.time())
    ingest_batch(provider="sim", raw_messages=["{still not json"], received_at=time.time())
    unmapped = QuarantinedMessage.objects.filter(reason__startswith="unknown match")
    assert unmapped.count() == 3
    garbled = QuarantinedMessage.objects.get(reason__startswith="malformed")

    page = admin_client.get(QUARANTINE_ADMIN).content.decode()
    assert "unknown match" in page  # listed, with the reason
    for pk in [*unmapped.values_list("pk", flat=True), garbled.pk]:
        assert f"{QUARANTINE_ADMIN}{pk}/change/" in page

    # Staff create the event and its mapping, then retry everything from the admin.
    event = create_match_event(
        sport_kind="football", providers=["sim"], match_id="quarantine-late", priorities={}
    )
    page = retry_in_admin(admin_client, [*unmapped.values_list("pk", flat=True), garbled.pk])
    assert "Retried 3; still malformed 1." in page

    event.refresh_from_db()
    latest = early[-1]
    assert (event.status, event.period, event.home_score, event.away_score) == (
        latest["status"],
        latest["period"],
        latest["score"]["home"],
        latest["score"]["away"],
    )
    assert set(
        QuarantinedMessage.objects.filter(reason__startswith="unknown match").values_list(
            "resolved", flat=True
        )
    ) == {True}
    garbled.refresh_from_db()
    assert not garbled.resolved and garbled.retried_at is not None
    assert garbled.reason.startswith("malformed:")


def test_it_marks_live_events_whose_feed_went_silent_as_delayed(settings, client) -> None:
    settings.FEED_SILENT_AFTER_SECONDS = 1
    quiet = new_match_event("football", "delayed-quiet")
    finished = new_match_event("football", "delayed-finished")
    quiet_messages, _ = simulated_messages("football", seed=7, match_id="delayed-quiet")
    finished_messages, _ = simulated_messages("football", seed=8, match_id="delayed-finished")
    ingest_batch(provider="sim", raw_messages=quiet_messages[:2], received_at=time.time())
    ingest_batch(provider="sim", raw_messages=finished_messages, received_at=time.time())
    never_fed = new_match_event("football", "delayed-never-fed")
    quiet.refresh_from_db()
    assert quiet.status == "live"

    assert quiet.pk not in feed_delayed_event_ids()  # it just spoke
    time.sleep(1.3)
    delayed = feed_delayed_event_ids()
    assert quiet.pk in delayed
    assert finished.pk not in delayed  # over: nothing more to expect
    assert never_fed.pk not in delayed  # no feed was ever expected
    assert "Feed delayed" in client.get(f"/events/{quiet.pk}/").content.decode()

    # News from the feed clears it.
    ingest_batch(provider="sim", raw_messages=quiet_messages[2:4], received_at=time.time())
    assert quiet.pk not in feed_delayed_event_ids()
    assert "Feed delayed" not in client.get(f"/events/{quiet.pk}/").content.decode()
