"""Acceptance 3 (feeds), the parser part: 10,000 generated messages through the real
parser. Each is either parsed into values the database can hold, or refused with
MalformedMessage (which ingest quarantines with its reason); nothing else escapes."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoreboard.feeds.messages import MAX_MINUTE, MalformedMessage, parse_message

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
