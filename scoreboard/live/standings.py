"""The live table: a competition's standings "as it stands", pushed over the socket.

A change that can move a table (an event in play, or one that just finished or left
play) makes its competition's table render ONCE per publishing round, whatever the
number of viewers, and go out as one more message on the `competition.<id>` topic, through
the same publish path and hub as the event fragments:

- `event_id` is `-<competition id>` (never an event: ids are positive), so the hub keeps,
  coalesces and de-duplicates it like any fragment;
- `version` is the change sequence it was rendered for (grows with every change), so an
  older table never replaces a newer one (the browser checks `data-seq` too).

`publisher.publish_pending` notes each published event (`note`) and calls `publish` once
after its round.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.template.loader import render_to_string

from scoreboard import selectors
from scoreboard.live.topics import LIVE_STATUSES, competition_topic
from scoreboard.models import Event, Status

PARTIAL = "scoreboard/partials.html#standings"
# Statuses whose events are in a table; a change to one of these may move it.
COUNTED = frozenset({*LIVE_STATUSES, Status.FINISHED})


class TableRound:
    """The competitions whose table moved in one publishing round (and the last seq)."""

    def __init__(self) -> None:
        self.pending: dict[int, tuple[int, dict[str, float | None]]] = {}

    def note(self, event: Event, message: dict[str, Any]) -> None:
        data = (message.get("data") or {}).get("data") or {}
        previous = data.get("from") if isinstance(data, dict) else None
        was_counted = isinstance(previous, dict) and previous.get("status") in COUNTED
        if event.status in COUNTED or was_counted:
            self.pending[event.competition_id] = (message["seq"], message["ts"])

    def publish(self, send: Callable[[dict[str, Any]], bool]) -> None:
        for competition_id, (seq, ts) in self.pending.items():
            send(table_message(competition_id, seq=seq, ts=ts))
        self.pending.clear()


def render_table(table: selectors.Table, *, seq: int, oob: bool) -> str:
    return render_to_string(PARTIAL, {"table": table, "table_seq": seq, "oob": oob}).strip()


def table_message(
    competition_id: int, *, seq: int, ts: dict[str, float | None] | None = None
) -> dict[str, Any]:
    from scoreboard.live.publisher import render_cursor

    table = selectors.competition_table(competition_id=competition_id)
    return {
        "seq": seq,
        "event_id": -competition_id,
        "version": seq,
        "covers_from": seq,
        "kind": "standings",
        "topics": [competition_topic(competition_id)],
        "row": render_table(table, seq=seq, oob=True),
        "detail": "",
        "cursor": render_cursor(seq),
        "data": {"kind": "standings", "competition": competition_id},
        "ts": dict(ts or {"received": None, "committed": time.time(), "published": None}),
    }
