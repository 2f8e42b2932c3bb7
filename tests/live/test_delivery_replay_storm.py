"""Reconnect storm: many sockets resuming behind the head render each event once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from scoreboard import services
from scoreboard.live import fragments as fragments_module
from scoreboard.models import Change, Event
from tests.support.live_socket import communicator, cursor_of, db, receive_html, receive_json, run

pytestmark = pytest.mark.django_db(transaction=True)

SOCKETS = 24


def latest_seq() -> int:
    return Change.objects.order_by("-id").values_list("id", flat=True).first() or 0


def test_it_renders_each_event_once_however_many_sockets_reconnect(
    make_live_event: Callable[..., Event], monkeypatch: pytest.MonkeyPatch
) -> None:
    events = [make_live_event(home=f"Home {i}", away=f"Away {i}") for i in range(3)]
    since = latest_seq()
    # Changes the viewers missed (e.g. while the server restarted).
    for event in events:
        event = services.record_score(event=event, side="home", player="Scorer")
        services.record_score(event=event, side="away", player="Reply")
    renders: Counter[int] = Counter()
    real_render = fragments_module.render_fragments

    def counting_render(event_id: int) -> Any:
        renders[event_id] += 1
        return real_render(event_id)

    monkeypatch.setattr(fragments_module, "render_fragments", counting_render)

    async def scenario() -> None:
        head = await db(latest_seq)
        # Two page kinds (all live, one event page), each from a few different cursors.
        kinds = ["live", f"event.{events[0].pk}"]
        comms = [communicator(kinds[i % 2], since=since - (i % 3)) for i in range(SOCKETS)]
        for comm in comms:
            assert (await comm.connect())[0]
        for i, comm in enumerate(comms):
            frame = await receive_html(comm)
            assert cursor_of(frame) == head
            # Every socket is brought to the current state...
            assert f'id="event-row-{events[0].pk}"' in frame and 'data-version="4"' in frame
            if i % 2:
                assert f'id="event-header-{events[0].pk}"' in frame
            assert await receive_json(comm) == {"type": "replayed", "seq": head}
        for comm in comms:
            await comm.disconnect()

    run(scenario)
    # ...from at most one render per event, not one per socket.
    assert set(renders) <= {e.pk for e in events}
    assert max(renders.values()) == 1
