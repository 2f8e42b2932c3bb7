"""Processed-message ids are pruned after the retention window, and a repeat of a pruned
message still changes nothing: it is dropped as stale by its event's feed state."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from scoreboard.feeds.ingest import ingest_batch
from scoreboard.feeds.models import Outcome, ProcessedMessage
from scoreboard.feeds.retention import providers_recorded, prune_processed
from scoreboard.models import Change

from .conftest import final_state, new_match_event, simulated_messages

pytestmark = pytest.mark.django_db

MESSAGES, _ = simulated_messages("football", seed=11, match_id="m", clock=False)


def deliver(match_id: str, messages: list[dict], provider: str = "sim") -> None:
    raw = [dict(m, match=match_id, id=f"{match_id}-{m['seq']}") for m in messages]
    ingest_batch(provider=provider, raw_messages=raw, received_at=time.time())


def test_it_prunes_old_ids_and_a_repeat_of_one_is_dropped_as_stale(settings) -> None:
    settings.FEED_PROCESSED_RETENTION_HOURS = 72
    event = new_match_event("football", "kept")
    deliver("kept", MESSAGES)
    recorded = ProcessedMessage.objects.filter(provider="sim", message_id__startswith="kept-")
    assert recorded.count() == len(MESSAGES)
    # The first half was received four days ago, the rest an hour ago.
    half = len(MESSAGES) // 2
    old_ids = [f"kept-{m['seq']}" for m in MESSAGES[:half]]
    recorded.filter(message_id__in=old_ids).update(received_at=timezone.now() - timedelta(days=4))
    recorded.exclude(message_id__in=old_ids).update(received_at=timezone.now() - timedelta(hours=1))

    assert prune_processed() == half
    assert sorted(recorded.values_list("message_id", flat=True)) == sorted(
        f"kept-{m['seq']}" for m in MESSAGES[half:]
    )

    # The provider sends its early messages again: nothing changes, each is counted stale.
    state, changes = final_state(event), Change.objects.filter(event=event).count()
    deliver("kept", MESSAGES[:half])
    assert final_state(event) == state
    assert Change.objects.filter(event=event).count() == changes
    again = recorded.filter(message_id__in=old_ids)
    assert set(again.values_list("outcome", flat=True)) == {Outcome.STALE}


def test_it_finds_every_provider_in_the_table() -> None:
    for provider in ("alpha", "beta", "gamma"):
        new_match_event("football", f"{provider}-match", provider=provider)
        deliver(f"{provider}-match", MESSAGES[:2], provider=provider)
    assert providers_recorded() == ["alpha", "beta", "gamma"]


def test_beat_runs_a_registered_pruning_task_hourly() -> None:
    from liveapp.celery import app

    app.loader.import_default_modules()  # what a worker does at start: autodiscovery
    entry = django_settings.CELERY_BEAT_SCHEDULE["prune-processed-messages"]
    assert entry["task"] in app.tasks  # a misspelt name would be sent and never run
    assert entry["schedule"] == 3600.0
