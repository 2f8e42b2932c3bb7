"""The live socket protocol, in process: subscribe, frames, resume, input policing."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest

from scoreboard import services
from scoreboard.live import metrics
from scoreboard.live.hub import get_hub
from scoreboard.models import Change, Event
from tests.support.live_socket import (
    communicator,
    cursor_of,
    db,
    nothing_more,
    receive_html,
    receive_json,
    run,
)

pytestmark = pytest.mark.django_db(transaction=True)


def latest_seq() -> int:
    return Change.objects.order_by("-id").values_list("id", flat=True).first() or 0


def close_code(output: dict[str, Any]) -> int:
    assert output["type"] == "websocket.close", output
    return output["code"]


def counter(metric: Any, **labels: str) -> float:
    return (metric.labels(**labels) if labels else metric)._value.get()


def test_it_pushes_a_goal_to_the_event_page_with_one_cursor(live_football_event: Event) -> None:
    event = live_football_event

    async def scenario() -> None:
        comm = communicator(f"event.{event.pk}")
        assert (await comm.connect())[0]
        await db(services.record_score, event=event, side="home", player="Saka")
        frame = await receive_html(comm)
        seq = await db(latest_seq)
        assert f'id="event-header-{event.pk}"' in frame
        assert f'id="event-row-{event.pk}"' in frame
        assert 'data-version="3"' in frame
        assert cursor_of(frame) == seq
        await comm.disconnect()

    run(scenario)


def test_it_sends_list_pages_only_the_row(live_football_event: Event) -> None:
    event = live_football_event

    async def scenario() -> None:
        comm = communicator("live")
        assert (await comm.connect())[0]
        await db(services.record_score, event=event, side="away", player="Palmer")
        frame = await receive_html(comm)
        assert f'id="event-row-{event.pk}"' in frame
        assert f'id="event-header-{event.pk}"' not in frame
        await comm.disconnect()

    run(scenario)


def test_it_does_not_send_changes_of_other_topics(
    make_live_event: Callable[..., Event],
) -> None:
    watched = make_live_event()
    other = make_live_event(home="Leeds", away="Everton")

    async def scenario() -> None:
        comm = communicator(f"event.{watched.pk}")
        assert (await comm.connect())[0]
        await db(services.record_score, event=other, side="home", player="X")
        assert await nothing_more(comm, 0.5)
        await comm.disconnect()

    run(scenario)


def test_it_replays_what_a_reconnecting_page_missed(live_football_event: Event) -> None:
    event = live_football_event

    async def scenario() -> None:
        since = await db(latest_seq)
        for player in ("Saka", "Rice", "Odegaard"):
            await db(services.record_score, event=event, side="home", player=player)
        comm = communicator(f"event.{event.pk}", since=since)
        assert (await comm.connect())[0]
        frame = await receive_html(comm)
        seq = await db(latest_seq)
        # Current state once (not three frames), then "replayed" with the new cursor.
        assert 'data-version="5"' in frame
        assert "Odegaard" in frame
        assert cursor_of(frame) == seq
        assert await receive_json(comm) == {"type": "replayed", "seq": seq}
        await comm.disconnect()

    run(scenario)


def test_it_tells_a_current_page_it_is_current(live_football_event: Event) -> None:
    async def scenario() -> None:
        seq = await db(latest_seq)
        comm = communicator(f"event.{live_football_event.pk}", since=seq)
        assert (await comm.connect())[0]
        assert await receive_json(comm) == {"type": "replayed", "seq": seq}
        await comm.disconnect()

    run(scenario)


def test_it_asks_for_a_resync_beyond_the_replay_window(
    live_football_event: Event, settings: Any
) -> None:
    settings.LIVE_REPLAY_WINDOW = 2
    event = live_football_event

    async def scenario() -> None:
        since = await db(latest_seq)
        for player in ("Saka", "Rice", "Odegaard"):
            await db(services.record_score, event=event, side="home", player=player)
        comm = communicator(f"event.{event.pk}", since=since)
        assert (await comm.connect())[0]
        assert await receive_json(comm) == {"type": "resync"}
        # And it stays live afterwards.
        await db(services.record_score, event=event, side="away", player="Palmer")
        assert 'data-version="6"' in await receive_html(comm)
        await comm.disconnect()

    run(scenario)


def test_it_delivers_a_change_committed_during_the_replay_exactly_once(
    live_football_event: Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Register-then-replay: a change racing the replay is neither lost nor doubled."""
    event = live_football_event
    import scoreboard.live.replay as replay

    real_replay = replay.replay_since

    def replay_with_a_goal_racing(**kwargs: Any) -> Any:
        result = real_replay(**kwargs)
        services.record_score(event=Event.objects.get(pk=event.pk), side="home", player="Late")
        return result

    monkeypatch.setattr(replay, "replay_since", replay_with_a_goal_racing)

    async def scenario() -> None:
        since = await db(latest_seq)
        comm = communicator(f"event.{event.pk}", since=since)
        assert (await comm.connect())[0]
        assert (await receive_json(comm))["type"] == "replayed"
        frame = await receive_html(comm)
        assert 'data-version="3"' in frame and "Late" in frame
        assert await nothing_more(comm, 0.4)
        await comm.disconnect()

    run(scenario)


def test_it_closes_4400_on_an_unknown_message(live_football_event: Event) -> None:
    async def scenario() -> None:
        before = counter(metrics.CLOSES, code="4400")
        comm = communicator(f"event.{live_football_event.pk}")
        assert (await comm.connect())[0]
        await comm.send_to(text_data=json.dumps({"type": "subscribe", "topics": ["live"]}))
        assert close_code(await comm.receive_output(2)) == 4400
        await comm.wait(2)
        assert counter(metrics.CLOSES, code="4400") == before + 1

    run(scenario)


def test_it_closes_4400_on_an_oversized_message(live_football_event: Event) -> None:
    async def scenario() -> None:
        comm = communicator(f"event.{live_football_event.pk}")
        assert (await comm.connect())[0]
        await comm.send_to(text_data=json.dumps({"type": "ping", "pad": "x" * 600}))
        assert close_code(await comm.receive_output(2)) == 4400

    run(scenario)


def test_it_accepts_pings_but_closes_4429_on_a_flood(live_football_event: Event) -> None:
    async def scenario() -> None:
        comm = communicator(f"event.{live_football_event.pk}")
        assert (await comm.connect())[0]
        await comm.send_to(text_data='{"type": "ping"}')
        assert await nothing_more(comm, 0.1)  # a ping is fine
        for _ in range(20):
            await comm.send_to(text_data='{"type": "ping"}')
        assert close_code(await comm.receive_output(2)) == 4429

    run(scenario)


def test_it_closes_4400_on_bad_topics() -> None:
    async def scenario() -> None:
        comm = communicator("event.1,../../etc")
        assert (await comm.connect())[0]
        assert close_code(await comm.receive_output(2)) == 4400

    run(scenario)


def test_it_rejects_a_foreign_origin(live_football_event: Event) -> None:
    async def scenario() -> None:
        comm = communicator(f"event.{live_football_event.pk}", origin=b"https://evil.example")
        connected, _ = await comm.connect()
        assert not connected

    run(scenario)


def test_it_serves_the_live_socket_outside_the_session_stack(live_football_event: Event) -> None:
    from channels.sessions import InstanceSessionWrapper

    async def scenario() -> None:
        comm = communicator(f"event.{live_football_event.pk}")
        assert (await comm.connect())[0]
        (conn,) = get_hub().connections
        # Frames go straight to the server's send: no session check per delivery.
        assert not isinstance(getattr(conn.send, "__self__", None), InstanceSessionWrapper)
        await comm.disconnect()
        # The origin is still checked on that route.
        foreign = communicator(f"event.{live_football_event.pk}", origin=b"https://evil.example")
        assert not (await foreign.connect())[0]

    run(scenario)


def test_it_coalesces_a_burst_into_one_frame(live_football_event: Event, settings: Any) -> None:
    settings.LIVE_COALESCE_MS = 400  # wide, so the burst surely lands in one window
    event = live_football_event

    async def scenario() -> None:
        comm = communicator(f"event.{event.pk}")
        assert (await comm.connect())[0]
        await db(services.record_score, event=event, side="home", player="One")
        first = await receive_html(comm)  # the first after a quiet spell goes out at once
        assert 'data-version="3"' in first
        await db(services.record_score, event=event, side="home", player="Two")
        await db(services.record_score, event=event, side="home", player="Three")
        merged = await receive_html(comm)
        # One event: only its newest state, with the highest cursor.
        assert 'data-version="5"' in merged and 'data-version="4"' not in merged
        assert cursor_of(merged) == await db(latest_seq)
        # ...and says it covers version 4 too, so the page does not take it for a loss.
        assert f'data-covers="{event.pk}:4"' in merged
        assert await nothing_more(comm, 0.5)
        await comm.disconnect()

    run(scenario)


def test_it_sends_heartbeats_with_the_latest_sequence_of_its_topics(
    live_football_event: Event, settings: Any
) -> None:
    settings.LIVE_HEARTBEAT_SECONDS = 0.3
    event = live_football_event

    async def scenario() -> None:
        comm = communicator(f"event.{event.pk}")
        assert (await comm.connect())[0]
        await db(services.record_score, event=event, side="home", player="Saka")
        await receive_html(comm)
        seq = await db(latest_seq)
        assert await receive_json(comm) == {"type": "heartbeat", "seq": seq}
        await comm.disconnect()

    run(scenario)


def test_it_closes_a_viewer_too_slow_to_keep_up_with_4408(
    make_live_event: Callable[..., Event], settings: Any
) -> None:
    settings.LIVE_SOCKET_BUFFER = 1
    settings.LIVE_COALESCE_MS = 0
    events = [make_live_event(home=f"Home {i}", away=f"Away {i}") for i in range(3)]

    async def scenario() -> None:
        comm = communicator("live")
        assert (await comm.connect())[0]
        (conn,) = get_hub().connections
        real_send = conn.send
        never = asyncio.Event()

        async def stuck_send(message: dict[str, Any]) -> None:
            # The viewer's network is stuck: data frames never drain (transport paused).
            if message["type"] == "websocket.send":
                await never.wait()
            await real_send(message)

        conn.send = stuck_send
        for event in events:
            await db(services.record_score, event=event, side="home", player="Goal")
        assert close_code(await comm.receive_output(3)) == 4408
        assert conn not in get_hub().connections

    run(scenario)


def test_a_server_keeps_the_fragments_of_a_bounded_number_of_events(
    make_live_event: Callable[..., Event], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A web process serves for weeks: what it keeps per event must not grow with them.
    from scoreboard.live import hub as hub_module

    # Two: the two latest events (no competition page is open: no live table is published).
    monkeypatch.setattr(hub_module, "KEPT_EVENTS", 2)
    watched = make_live_event()
    others = [make_live_event(home="Leeds", away="Everton"), make_live_event(home="Fulham")]
    kept = {other.pk for other in others}

    async def scenario() -> None:
        hub = get_hub()
        comm = communicator(f"event.{watched.pk}")
        assert (await comm.connect())[0]
        await db(services.record_score, event=watched, side="home", player="Saka")
        assert 'data-version="3"' in await receive_html(comm)
        for other in others:
            await db(services.record_score, event=other, side="home", player="Someone")
        for _ in range(60):  # the hub sees the other events' changes too (no socket)
            if set(hub.fragments) == kept:
                break
            await asyncio.sleep(0.05)
        assert set(hub.fragments) == kept

        # The event it forgot still reaches its viewer on its next change.
        await db(services.record_score, event=watched, side="away", player="Palmer")
        frame = await receive_html(comm)
        assert f'id="event-header-{watched.pk}"' in frame and 'data-version="4"' in frame
        assert len(hub.fragments) == 2
        await comm.disconnect()

    run(scenario)
