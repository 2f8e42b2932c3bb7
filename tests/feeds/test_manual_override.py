"""Acceptance 5: staff lock a field against the feed; it holds, skips are counted, and
releasing hands the field back cleanly (the feed's next message brings it up to date)."""

from __future__ import annotations

import time

import pytest

from scoreboard import services
from scoreboard.feeds.ingest import ingest_batch
from scoreboard.feeds.models import FieldLock, LockField
from scoreboard.feeds.overrides import lock_field, release_field

from .conftest import new_match_event, simulated_messages

pytestmark = pytest.mark.django_db


def feed(messages: list[dict]) -> None:
    ingest_batch(provider="sim", raw_messages=messages, received_at=time.time())


def test_it_keeps_a_staff_score_correction_until_released(admin_user) -> None:
    event = new_match_event("football", "ovr-1")
    messages, truth = simulated_messages("football", seed=4, match_id="ovr-1", clock=False)
    goals_at = [i for i, m in enumerate(messages) if m["score"]["home"] + m["score"]["away"]]
    first_goal = goals_at[0]
    feed(messages[:first_goal])  # kick-off and whatever came before the first goal

    # Staff correct the score by hand and take it over from the feed.
    lock_field(event=event, field=LockField.SCORE, user=admin_user, reason="checked on TV")
    services.set_score(event=event, home=5, away=5, reason="checked on TV")
    feed(messages[first_goal : first_goal + 3])

    event.refresh_from_db()
    assert (event.home_score, event.away_score) == (5, 5)
    assert FieldLock.objects.get(event=event).skipped >= 1
    # Other fields still follow the feed (statuses, cards...).
    assert event.status in ("live", "break")

    assert release_field(event=event, field=LockField.SCORE) >= 1
    feed(messages[first_goal + 3 :])
    event.refresh_from_db()
    assert (event.home_score, event.away_score) == (truth["home"], truth["away"])
    assert not FieldLock.objects.filter(event=event).exists()


def test_it_holds_the_status_while_locked(admin_user) -> None:
    event = new_match_event("ice_hockey", "ovr-2")
    messages, truth = simulated_messages("ice_hockey", seed=2, match_id="ovr-2", clock=False)
    feed(messages[:2])  # fixture and face-off
    lock_field(event=event, field=LockField.STATUS, user=admin_user)
    feed(messages[2:])
    event.refresh_from_db()
    assert (event.status, event.period) == ("live", "P1")
    lock = FieldLock.objects.get(event=event)
    assert lock.skipped >= 1

    release_field(event=event, field=LockField.STATUS)
    final = dict(messages[-1], id="ovr-2-final", seq=10_000)
    feed([final])
    event.refresh_from_db()
    assert event.status == truth["status"] == "finished"
    assert (event.home_score, event.away_score) == (truth["home"], truth["away"])
