"""Two providers on one event: the higher-priority one wins; the other fills in while it
is silent, and steps back when it returns."""

from __future__ import annotations

import time

import pytest

from scoreboard.feeds.ingest import ingest_batch
from scoreboard.feeds.models import Outcome, ProcessedMessage, Provider
from scoreboard.feeds.simulator.setup import create_match_event, ensure_provider

from .conftest import final_state, simulated_messages, truth_state

pytestmark = pytest.mark.django_db

MATCH = "two-providers-ft"


def as_provider(messages: list[dict], provider: str) -> list[dict]:
    """The same upstream happenings under the provider's own message ids."""
    return [dict(m, id=f"{provider}-{m['id']}", ts=time.time()) for m in messages]


def outcome(provider: str, message: dict) -> str:
    return ProcessedMessage.objects.get(provider=provider, message_id=message["id"]).outcome


def test_it_lets_the_main_provider_win_and_the_backup_fill_in_while_it_is_silent(
    settings,
) -> None:
    settings.FEED_SILENT_AFTER_SECONDS = 1  # "silent" after one quiet second
    ensure_provider("sim", Provider.Kind.PUSH)
    ensure_provider("simpull", Provider.Kind.PULL)
    event = create_match_event(
        sport_kind="football",
        providers=["sim", "simpull"],
        match_id=MATCH,
        priorities={"sim": 200, "simpull": 100},
    )
    messages, truth = simulated_messages("football", seed=2, match_id=MATCH, clock=False)
    assert len(messages) > 8
    first, middle, last = messages[:4], messages[4:-3], messages[-3:]

    # Both send the opening; the main provider's version is the one applied.
    ingest_batch(provider="sim", raw_messages=as_provider(first, "sim"), received_at=time.time())
    event.refresh_from_db()
    version_by_main = event.version
    backup_early = as_provider([first[-1], middle[0]], "simpull")
    ingest_batch(provider="simpull", raw_messages=backup_early, received_at=time.time())
    assert [outcome("simpull", m) for m in backup_early] == [Outcome.SUPERSEDED] * 2
    event.refresh_from_db()
    assert event.version == version_by_main  # the backup changed nothing

    # The main provider goes quiet: the backup fills in with the middle of the match.
    time.sleep(1.3)
    backup = as_provider(middle, "simpull")
    ingest_batch(provider="simpull", raw_messages=backup, received_at=time.time())
    # (backup[0] is a repeat of the superseded one above: its outcome stays recorded.)
    assert {outcome("simpull", m) for m in backup[1:]} <= {Outcome.APPLIED, Outcome.UNCHANGED}
    state = final_state(event)
    assert (state["status"], state["period"], state["home"], state["away"]) == (
        middle[-1]["status"],
        middle[-1]["period"],
        middle[-1]["score"]["home"],
        middle[-1]["score"]["away"],
    )

    # The main provider is back: it wins again, the backup steps back.
    ingest_batch(provider="sim", raw_messages=as_provider(last, "sim"), received_at=time.time())
    late_backup = [dict(last[-1], id="simpull-late", ts=time.time())]
    ingest_batch(provider="simpull", raw_messages=late_backup, received_at=time.time())
    assert outcome("simpull", late_backup[0]) == Outcome.SUPERSEDED
    assert final_state(event) == truth_state(truth)
