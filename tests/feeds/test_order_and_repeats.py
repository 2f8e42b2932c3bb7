"""Acceptance 2: whatever order and however often a match's messages arrive, the final
state equals the in-order result (a property test)."""

from __future__ import annotations

import itertools
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoreboard.feeds.ingest import ingest_batch
from scoreboard.feeds.models import ProcessedMessage

from .conftest import final_state, new_match_event, simulated_messages, truth_state

pytestmark = pytest.mark.django_db

_ids = itertools.count()


def apply_all(sport: str, messages: list[dict], batches: list[int]) -> dict:
    match_id = f"prop-{sport}-{next(_ids)}"
    event = new_match_event(sport, match_id)
    delivered = [dict(m, match=match_id, id=f"{match_id}-{m['seq']}") for m in messages]
    start = 0
    for size in [*batches, len(delivered)]:
        chunk = delivered[start : start + size]
        if chunk:
            ingest_batch(provider="sim", raw_messages=chunk, received_at=time.time())
        start += size
    return final_state(event)


@st.composite
def deliveries(draw: st.DrawFn, messages: list[dict]) -> tuple[list[dict], list[int]]:
    repeats = draw(st.lists(st.sampled_from(messages), max_size=len(messages)))
    shuffled = draw(st.permutations([*messages, *repeats]))
    batches = draw(st.lists(st.integers(min_value=1, max_value=8), max_size=20))
    return shuffled, batches


FOOTBALL, FOOTBALL_TRUTH = simulated_messages("football", seed=11, match_id="m", clock=False)
HOCKEY, HOCKEY_TRUTH = simulated_messages("ice_hockey", seed=5, match_id="m", clock=False)


def test_it_reaches_the_simulators_record_in_order() -> None:
    assert apply_all("football", FOOTBALL, [1] * len(FOOTBALL)) == truth_state(FOOTBALL_TRUTH)


# The in-order result is the simulator's record (test above), so compare with that.
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_it_ends_football_in_the_in_order_state_whatever_the_delivery(data: st.DataObject) -> None:
    shuffled, batches = data.draw(deliveries(FOOTBALL))
    assert apply_all("football", shuffled, batches) == truth_state(FOOTBALL_TRUTH)


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_it_ends_ice_hockey_in_the_in_order_state_whatever_the_delivery(
    data: st.DataObject,
) -> None:
    shuffled, batches = data.draw(deliveries(HOCKEY))
    assert apply_all("ice_hockey", shuffled, batches) == truth_state(HOCKEY_TRUTH)


def test_it_applies_a_repeated_message_once() -> None:
    messages = FOOTBALL[:4]
    state = apply_all("football", [*messages, *messages, messages[2]], [3, 3, 3])
    assert state["status"] == "live"
    assert ProcessedMessage.objects.filter(message_id__startswith="prop-").count() == 4
