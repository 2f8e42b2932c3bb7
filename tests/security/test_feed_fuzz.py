"""Acceptance 3 (feeds): generated messages through the real parser, and generated mixed
batches through the real parse-and-apply path (ingest_batches, on PostgreSQL, one
rolled-back transaction per example).

- parser: 10,000 messages; each is parsed into values the database can hold, or refused
  with MalformedMessage (which ingest quarantines with its reason); nothing else escapes;
- apply: over 10,000 messages in batches mixing a match's valid messages with broken
  ones: every valid message is applied, every broken one quarantined, none applied."""

from __future__ import annotations

import math
import time
from collections import Counter
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoreboard.feeds.ingest import ingest_batches
from scoreboard.feeds.messages import MAX_MINUTE, MalformedMessage, parse_message
from scoreboard.feeds.models import Outcome, ProcessedMessage, QuarantinedMessage
from scoreboard.models import Event
from tests.feeds.conftest import new_match_event, simulated_messages

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=15,
)
bad_numbers = st.sampled_from([-1, 0, 10**30, 10**400, 1e13, float("nan"), "1", True, None, 1.5])
incident = st.fixed_dictionaries(
    {"id": st.text(max_size=90), "kind": st.sampled_from(["goal", "yellow_card", "boom"]),
     "period": st.text(max_size=10), "minute": st.one_of(st.integers(0, 120), bad_numbers),
     "side": st.sampled_from(["home", "away", "", "up"]), "player": st.text(max_size=130)},
)  # fmt: skip
message = st.fixed_dictionaries(
    {"id": st.text(max_size=110), "seq": st.one_of(st.integers(0, 10**6), bad_numbers),
     "ts": st.one_of(st.floats(1.7e9, 1.8e9), bad_numbers),
     "match": st.text(max_size=90), "status": st.sampled_from(["live", "finished", "x"]),
     "score": st.one_of(st.fixed_dictionaries(
         {"home": st.one_of(st.integers(0, 50), bad_numbers),
          "away": st.one_of(st.integers(0, 50), bad_numbers)}), json_values),
     "incidents": st.one_of(st.lists(incident, max_size=4), json_values)},
)  # fmt: skip


@settings(
    max_examples=10_000,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(raw=st.one_of(message, json_values))
def test_the_parser_refuses_or_returns_storable_values(raw: Any) -> None:
    try:
        parsed = parse_message(raw)
    except MalformedMessage:
        return
    assert math.isfinite(parsed.ts) and parsed.ts > 0
    assert 0 <= parsed.seq <= 2**62 and 0 <= parsed.home <= 10_000 and 0 <= parsed.away <= 10_000
    for spec in parsed.incidents:
        assert spec.minute is None or 0 <= spec.minute <= MAX_MINUTE
        for text in (spec.key, spec.player, spec.period):
            assert "\x00" not in text
            text.encode("utf-8")


YEAR = 365 * 86_400
NOW = time.time()
BROKEN_FIELDS: dict[str, list[Any]] = {
    "ts": [10**400, 1e13, -1, 0, "x", None, float("nan"), NOW + 10 * YEAR, NOW - 10 * 86_400],
    "seq": [-1, 2**63, "1", 1.5, True, None],
    "status": ["exploded", "", 5, None],
    "score": [{"home": -1, "away": 0}, {"home": 10**30, "away": 0}, {"home": "1", "away": 0}, []],
    "match": ["", "x" * 81, 7, "no-such-match"],
    "id": ["", "x" * 101, 5, "a\x00b"],
    "clock": [{"running": True, "elapsed": -5}, {"elapsed": 10**20}, "x"],
    "incidents": [
        "x",
        [1],
        [{"id": "i", "kind": "goal", "period": "1H", "minute": -1, "side": "home"}],
        [{"id": "i", "kind": "goal", "period": "1H", "minute": 10**30, "side": "home"}],
        [{"id": "i", "kind": "goal", "period": "1H", "minute": 1, "player": "a\x00b"}],
        [{"id": "i", "kind": "goal", "period": "1H", "minute": 1, "player": "\ud800"}],
    ],
}


@pytest.mark.django_db
def test_mixed_batches_apply_every_valid_message_and_quarantine_every_broken_one() -> None:
    event = new_match_event("football", "fuzz-1")
    valid, _ = simulated_messages("football", seed=5, match_id="fuzz-1")
    totals: Counter[str] = Counter()

    def broken(n: int, data: st.DataObject) -> Any:
        if data.draw(st.booleans()):
            return data.draw(json_values)  # not a message at all
        field = data.draw(st.sampled_from(sorted(BROKEN_FIELDS)))
        base = {**data.draw(st.sampled_from(valid)), "id": f"bad-{n}"}
        return {**base, field: data.draw(st.sampled_from(BROKEN_FIELDS[field]))}

    @settings(
        max_examples=800,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        good = valid[: data.draw(st.integers(5, min(15, len(valid))))]  # the match so far
        bad = [broken(n, data) for n in range(data.draw(st.integers(3, 10)))]
        mixed = list(good)
        for item in bad:  # anywhere between the valid ones, which keep their order
            mixed.insert(data.draw(st.integers(0, len(mixed))), item)
        cuts = sorted(data.draw(st.lists(st.integers(1, len(mixed) - 1), max_size=3)))
        batches = [
            mixed[a:b] for a, b in zip([0, *cuts], [*cuts, len(mixed)], strict=True) if a < b
        ]
        with transaction.atomic():
            ingest_batches(provider="sim", batches=[(b, time.time()) for b in batches])
            outcomes = dict(ProcessedMessage.objects.values_list("message_id", "outcome"))
            assert outcomes.keys() == {m["id"] for m in good}
            assert set(outcomes.values()) <= {Outcome.APPLIED, Outcome.UNCHANGED}
            assert QuarantinedMessage.objects.count() == len(bad)
            now = Event.objects.get(pk=event.pk)
            last = good[-1]
            assert (now.status, now.home_score, now.away_score) == (
                last["status"],
                last["score"]["home"],
                last["score"]["away"],
            )
            transaction.set_rollback(True)
        totals["messages"] += len(mixed)
        totals["broken"] += len(bad)

    run()
    assert totals["messages"] >= 10_000, totals
