"""The live table: a competition's standings "as it stands", pushed over the socket.

A change that can move a table (an event in play, or one that just finished or left
play) makes its competition's table render ONCE per publishing round, whatever the
number of viewers, and go out as one more message on the `competition.<id>` topic, through
the same publish path and hub as the event fragments:

- `event_id` is `-<competition id>` (never an event: ids are positive), so the hub keeps,
  coalesces and de-duplicates it like any fragment;
- `version` is the change sequence it was rendered for (grows with every change), so an
  older table never replaces a newer one (the browser checks `data-seq` too).

`publisher.publish_pending` notes each published event whose competition page some hub
has sockets on (`note`, interest.py) and publishes the tables (`messages`) after the
round's event messages.
"""

from __future__ import annotations

import time
from typing import Any

from django.template.loader import render_to_string

from scoreboard import selectors
from scoreboard.live.fragments import render_cursor
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

    def messages(self) -> list[dict[str, Any]]:
        """One table message per competition noted, rendered now."""
        tables = [table_message(cid, seq=seq, ts=ts) for cid, (seq, ts) in self.pending.items()]
        self.pending.clear()
        return tables


def render_table(table: selectors.Table, *, seq: int, oob: bool) -> str:
    return render_to_string(PARTIAL, {"table": table, "table_seq": seq, "oob": oob}).strip()


def table_message(
    competition_id: int, *, seq: int, ts: dict[str, float | None] | None = None
) -> dict[str, Any]:
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
