"""The per-process hub: one subscription, local fan-out of pre-rendered frames.

docs/PERFORMANCE.md: one channel-layer group member per socket saturates at ~2,000 deliveries/s on
this machine; one subscription per process writing the already-rendered frame to its
local sockets stays near Python's floor. So consumers own accept/origin/subscribe, and
this hub (one per ASGI process and event loop) owns delivery:

- distributed: ONE Redis pub/sub subscription (redis.asyncio) on `LIVE_CHANNEL`, started
  lazily by the first socket; embedded: messages arrive from the in-process publisher
  (`deliver_threadsafe`) and a relay loop publishes changes other processes wrote;
- a registry topic -> connections; per message the frame is prepared once and written
  to each socket with no DB, no rendering, no channel layer and no thread hop;
- coalescing: the first message after a quiet spell goes out at once; messages within
  the next LIVE_COALESCE_MS are merged per socket into one frame (fragments + one
  cursor with the highest seq). Fragments are the event's full state, so a newer
  version replaces an older pending one; the cursor then says which versions the frame
  covers (`data-covers="<event>:<oldest superseded version>,..."`) so the browser does
  not mistake the jump for a lost message. Identical frames are built once per window;
- slow viewers: a socket whose write is blocked (transport paused) gets an outbox that
  keeps only the newest state per event; past LIVE_SOCKET_BUFFER events it is closed
  with 4408 (the client reconnects and resyncs);
- writes: through the ASGI send; on uvicorn's sans-I/O WebSocket protocol (its default
  with `websockets` installed) a frame is serialised ONCE per message and its bytes are
  written straight to each socket's transport while the socket is open and writable, as
  `websockets.broadcast` does (minus its per-socket framing). Anything unusual (paused
  transport, closing socket, negotiated extensions, another server) takes the ASGI send;
- heartbeats every LIVE_HEARTBEAT_SECONDS: {"type": "heartbeat", "seq": N}, only to
  sockets nothing was written to since the previous round (a frame carries the cursor);
- the last fragments of the KEPT_EVENTS events it fanned out most recently, so a replay
  after a reconnect reuses them instead of rendering per socket (replay.py renders, once,
  an event it no longer keeps). What it keeps per event and per topic is bounded: a web
  process serves for weeks, and every match of a season passes through it.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import os
import socket
import time
import types
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine, Generator, Iterable
from typing import Any

from django.conf import settings
from websockets.frames import Frame, Opcode
from websockets.protocol import State

from scoreboard.live import bus, interest, metrics
from scoreboard.live.fragments import render_cursor
from scoreboard.live.topics import detail_event_ids
from scoreboard.lru import keep

logger = logging.getLogger(__name__)

CLOSE_TOO_SLOW = 4408
EMBEDDED_RELAY_INTERVAL = 0.25  # seconds between polls for changes other processes wrote
SUBSCRIBE_TIMEOUT = 5.0
RETRY_DELAY = 1.0
# Kept per process, least recently changed dropped first. Fragments run ~5-30 KB an event
# (the timeline), so at most ~60 MB; a topic's sequence is a small int (~150 bytes).
KEPT_EVENTS = 2000
ADVERTISE_WAIT = 0.5  # seconds a new event-page socket waits for its interest to be known
KEPT_TOPICS = 20_000

Send = Callable[[dict[str, Any]], Awaitable[None]]


class Update:
    """One change as the hub fans it out: fragments and frames prepared once."""

    __slots__ = (
        "covers_from",
        "cursor",
        "detail",
        "event_id",
        "frame_detail",
        "frame_row",
        "row",
        "seq",
        "ts",
        "version",
    )

    def __init__(self, message: dict[str, Any]) -> None:
        self.seq: int = message["seq"]
        self.event_id: int = message["event_id"]
        self.version: int = message["version"]
        # The oldest version this update supersedes, when the publisher coalesced several.
        self.covers_from: int = message.get("covers_from") or self.version
        self.row: str = message["row"]
        # No detail: nobody watched the event's page when the publisher rendered it
        # (interest.py); a socket that watches it now is told to refetch instead.
        self.detail: str | None = (
            message["detail"] + message["row"] if message.get("detail") else None
        )
        self.cursor: str = message["cursor"]
        self.ts: dict[str, float | None] = message["ts"]
        # The common case, one update per frame, written at once: the whole frame is
        # ready for every socket.
        cursor = stamp_sent(self.cursor, time.time())
        self.frame_row = {"type": "websocket.send", "text": self.row + cursor}
        self.frame_detail = (
            {"type": "websocket.send", "text": self.detail + cursor}
            if self.detail is not None
            else RESYNC_FRAME
        )


RESYNC_FRAME = {"type": "websocket.send", "text": json.dumps({"type": "resync"})}


def stamp_sent(cursor: str, at: float) -> str:
    """The cursor with `data-sent`: when the hub wrote the frame (epoch seconds), so a
    client can split its delay into ours and the network's. Once per frame built."""
    return cursor.replace(' data-seq="', f' data-sent="{at:.4f}" data-seq="', 1)


def wire_of(frame: dict[str, Any]) -> bytes:
    """The WebSocket frame bytes of a text frame (server side: unmasked, no extensions),
    computed once per frame dict and kept in it (every socket gets the same bytes)."""
    wire = frame.get("wire")
    if wire is None:
        wire = Frame(Opcode.TEXT, frame["text"].encode()).serialize(mask=False, extensions=[])
        frame["wire"] = wire
    return wire


def direct_protocol(send: Send) -> Any:
    """uvicorn's sans-I/O WebSocket protocol behind an ASGI send, or None (any other
    server, or a wrapped send): the hub may then write frame bytes to its transport."""
    proto = getattr(send, "__self__", None)
    if proto is None or type(proto).__name__ != "WebSocketsSansIOProtocol":
        return None
    needed = ("conn", "transport", "writable", "close_sent", "disconnected")
    return proto if all(hasattr(proto, name) for name in needed) else None


class Connection:
    """One socket as the hub sees it. Created and driven by the consumer."""

    __slots__ = (
        "busy",
        "closing",
        "covers",
        "detail_ids",
        "direct",
        "held",
        "last_round",
        "on_too_slow",
        "outbox",
        "send",
        "skip_through",
        "topics",
    )

    def __init__(
        self,
        *,
        send: Send,
        topics: Iterable[str],
        on_too_slow: Callable[[], Awaitable[None]],
    ) -> None:
        self.send = send  # the ASGI send (consumer.base_send): bytes only, no hops
        self.direct = direct_protocol(send)  # uvicorn sans-I/O: write bytes (see Hub._write)
        self.topics = tuple(topics)
        self.detail_ids = detail_event_ids(self.topics)
        self.on_too_slow = on_too_slow
        self.outbox: dict[int, Update] = {}  # event id -> newest pending update
        # event id -> oldest version a pending (newer) update superseded in the outbox
        self.covers: dict[int, int] = {}
        self.last_round = -1  # heartbeat round of the last write (see Hub._heartbeats)
        self.busy = False  # a write is blocked in flight
        self.held = False  # registered, but the consumer is still replaying
        self.closing = False
        self.skip_through = 0  # updates up to this seq were covered by a replay

    def frame_of(self, update: Update) -> dict[str, Any]:
        return update.frame_detail if update.event_id in self.detail_ids else update.frame_row


@types.coroutine
def _resume(coro: Coroutine[Any, Any, Any], pending: Any) -> Generator[Any, Any, Any]:
    """Drive a coroutine that already ran up to its first suspension (see `_write`)."""
    while True:
        try:
            yield pending
        except BaseException as exc:  # cancellation: pass it into the send
            try:
                pending = coro.throw(exc)
            except StopIteration as stop:
                return stop.value
        else:
            try:
                pending = coro.send(None)
            except StopIteration as stop:
                return stop.value


async def _finish(coro: Coroutine[Any, Any, Any], pending: Any) -> None:
    await _resume(coro, pending)


class Hub:
    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.registry: dict[str, set[Connection]] = {}
        self.connections: set[Connection] = set()
        self.latest_seq: OrderedDict[str, int] = OrderedDict()  # topic -> highest seq seen
        self.dirty: set[Connection] = set()
        self.window_open = False
        self.window_latest: Update | None = None  # newest update queued in this window
        self.frames: dict[tuple[Any, ...], dict[str, Any]] = {}  # coalesced frames, per window
        self.round = 0  # heartbeat rounds
        # event id -> (version, row, detail) last fanned out: replays reuse these renders,
        # and a version at or below the kept one is a duplicate.
        self.fragments: OrderedDict[int, tuple[int, str, str]] = OrderedDict()
        self.subscribed = asyncio.Event()
        self.tasks: list[asyncio.Task[None]] = []
        self.started_at = 0.0
        self.hub_id = f"{socket.gethostname()}:{os.getpid()}:{id(self)}"
        self.interest_changed = asyncio.Event()  # an event page got its first socket here
        self.advertised: frozenset[int] = frozenset()  # what Redis has for this hub
        self.advert_done = asyncio.Event()  # set after each advertisement

    # --- lifecycle ------------------------------------------------------------------

    async def start(self) -> None:
        """Start once per event loop; later calls wait for the subscription only."""
        loop = asyncio.get_running_loop()
        if self.loop is not loop:
            self._reset(loop)
            if settings.EMBEDDED:
                bus.serve_locally(deliver_threadsafe)
                interest.serve_locally(self.watched_events)
                self.subscribed.set()
                self.tasks.append(loop.create_task(self._embedded_relay()))
            else:
                self.tasks.append(loop.create_task(self._listen()))
                self.tasks.append(loop.create_task(self._advertise()))
            self.tasks.append(loop.create_task(self._heartbeats()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.subscribed.wait(), SUBSCRIBE_TIMEOUT)

    def _reset(self, loop: asyncio.AbstractEventLoop) -> None:
        # A new loop (tests run one per test) means the old one's tasks are gone.
        for task in self.tasks:
            if not task.done() and task.get_loop() is loop:
                task.cancel()
        self.__init__()  # type: ignore[misc]
        self.loop = loop
        self.started_at = time.time()

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(BaseException):
                await task
        self.tasks.clear()
        self.loop = None

    @property
    def running(self) -> bool:
        return self.loop is not None and self.loop.is_running() and not self.loop.is_closed()

    # --- registry -------------------------------------------------------------------

    def register(self, conn: Connection, *, hold: bool = False) -> None:
        """Start delivering to `conn`; with `hold`, queue until `release` (replay first)."""
        conn.held = hold
        self.connections.add(conn)
        for topic in conn.topics:
            members = self.registry.setdefault(topic, set())
            if not members and topic.startswith("event."):
                self.interest_changed.set()  # the publisher must render its details now
            members.add(conn)
        metrics.CONNECTIONS.set(len(self.connections))

    def release(self, conn: Connection, *, replayed_through: int = 0) -> None:
        """The consumer finished replaying up to `replayed_through`: flush what queued."""
        conn.held = False
        conn.skip_through = replayed_through
        for event_id, update in list(conn.outbox.items()):
            if update.seq <= replayed_through:
                del conn.outbox[event_id]
                conn.covers.pop(event_id, None)
        self._flush(conn)

    def unregister(self, conn: Connection) -> None:
        if conn not in self.connections:
            return
        self.connections.discard(conn)
        self.dirty.discard(conn)
        for topic in conn.topics:
            members = self.registry.get(topic)
            if members is not None:
                members.discard(conn)
                if not members:
                    del self.registry[topic]
        conn.outbox.clear()
        conn.covers.clear()
        metrics.CONNECTIONS.set(len(self.connections))

    async def advertised_for(self, conn: Connection) -> None:
        """Wait (briefly) until the publisher can know `conn`'s event pages are watched:
        a change committed after the socket's replay then carries their details."""
        if settings.EMBEDDED or conn.detail_ids <= self.advertised:
            return
        with contextlib.suppress(TimeoutError):  # Redis slow or down: healing covers it
            async with asyncio.timeout(ADVERTISE_WAIT):
                while not conn.detail_ids <= self.advertised:
                    self.advert_done.clear()
                    await self.advert_done.wait()

    def watched_events(self) -> frozenset[int]:
        """Events this process has event-page sockets for (interest.py)."""
        return detail_event_ids(tuple(self.registry))

    def latest_for(self, topics: Iterable[str]) -> int:
        return max((self.latest_seq.get(t, 0) for t in topics), default=0)

    # --- fan-out --------------------------------------------------------------------

    def dispatch(self, message: dict[str, Any]) -> None:
        """Fan one message out to the local sockets of its topics (on the hub's loop)."""
        metrics.MESSAGES_IN.inc()
        event_id = message["event_id"]
        version = message["version"]
        # At-least-once upstream (relay): a version already fanned out is a duplicate.
        # (One of an event no longer kept goes out again; browsers drop old versions.)
        kept = self.fragments.get(event_id)
        if kept is not None and kept[0] >= version:
            metrics.DUPLICATES.inc()
            return
        keep(self.fragments, event_id, (version, message["row"], message["detail"]), KEPT_EVENTS)
        seq = message["seq"]
        topics = message["topics"]
        for topic in topics:
            if self.latest_seq.get(topic, 0) < seq:
                keep(self.latest_seq, topic, seq, KEPT_TOPICS)
        groups = [self.registry[t] for t in topics if t in self.registry]
        if not groups:
            return
        targets = groups[0] if len(groups) == 1 else set().union(*groups)
        update = Update(message)
        written = 0
        if self.window_open:
            # Inside a coalescing window: queue, the window's end sends one frame per socket.
            self.window_latest = update
            for conn in targets:
                self._enqueue(conn, update)
        else:
            for conn in list(targets):
                if conn.held or conn.busy or conn.outbox:  # keep the order of what waits
                    self._enqueue(conn, update)
                elif self._write(conn, conn.frame_of(update)):
                    written += 1
            self._open_window()
        if written:
            metrics.FRAMES_OUT.labels(kind="html").inc(written)
            self._observe_delivery(update.ts)
            self._observe_glass({update: written})

    def _enqueue(self, conn: Connection, update: Update) -> None:
        if conn.closing:
            return
        outbox = conn.outbox
        older = outbox.get(update.event_id)
        if older is not None:
            # Only the newest state of an event matters: the older one is superseded. The
            # frame will say so, or the browser would take the jump for a lost message.
            metrics.DROPPED.labels(reason="superseded").inc()
            if update.event_id not in conn.covers:
                conn.covers[update.event_id] = older.covers_from
        outbox[update.event_id] = update
        if len(outbox) > settings.LIVE_SOCKET_BUFFER:
            self._too_slow(conn)
            return
        if not conn.busy and not conn.held:
            self.dirty.add(conn)

    def _open_window(self) -> None:
        if self.loop is None or settings.LIVE_COALESCE_MS <= 0:
            return
        self.window_open = True
        self.loop.call_later(settings.LIVE_COALESCE_MS / 1000, self._close_window)

    def _close_window(self) -> None:
        dirty, self.dirty = self.dirty, set()
        latest, self.window_latest = self.window_latest, None
        written = 0
        shown: dict[Update, int] = {}
        for conn in dirty:
            if self._flush(conn, shown):
                written += 1
        self.frames.clear()
        if written:
            metrics.FRAMES_OUT.labels(kind="html").inc(written)
            self._observe_glass(shown)
            if latest is not None:
                self._observe_delivery(latest.ts)
            # Still busy: keep coalescing for one more window before going eager again.
            self._open_window()
        else:
            self.window_open = False

    def _flush(self, conn: Connection, shown: dict[Update, int] | None = None) -> bool:
        """Send a connection's pending updates as one frame. True if a frame was written.

        `shown` counts, per update, the sockets a frame showing it went to (goal to glass);
        without it they are observed here."""
        if not conn.outbox or conn.busy or conn.held or conn.closing:
            return False
        updates = list(conn.outbox.values())
        conn.outbox.clear()
        superseded, conn.covers = conn.covers, {}
        if conn.skip_through:
            updates = [u for u in updates if u.seq > conn.skip_through]
            if not updates:
                return False
        if len(updates) > 1:
            metrics.COALESCED.inc(len(updates) - 1)
            updates.sort(key=lambda u: u.seq)
        # What the frame covers, per event it carries: from the oldest version an update
        # superseded here, or the publisher coalesced (its own `covers_from`).
        covers: dict[int, int] = {}
        for u in updates:
            oldest = min(superseded.get(u.event_id, u.covers_from), u.covers_from)
            if oldest < u.version:
                covers[u.event_id] = oldest
        details = conn.detail_ids
        # Sockets of one page kind share the outbox content in a window: build once.
        key = (
            tuple((u.seq, u.event_id in details) for u in updates),
            tuple(sorted(covers.items())) if covers else (),
        )
        frame = self.frames.get(key)
        if frame is None:
            frame = self._coalesced_frame(updates, details, dict(key[1]))
            self.frames[key] = frame
        if not self._write(conn, frame):
            return False
        counts = shown if shown is not None else {}
        for update in updates:
            counts[update] = counts.get(update, 0) + 1
        if shown is None:
            self._observe_glass(counts)
        return True

    @staticmethod
    def _coalesced_frame(
        updates: list[Update], details: frozenset[int], covers: dict[int, int]
    ) -> dict[str, Any]:
        if any(u.detail is None and u.event_id in details for u in updates):
            return RESYNC_FRAME  # a detail it needs was not rendered: refetch the page
        parts = [u.detail if u.event_id in details else u.row for u in updates]
        last = updates[-1]
        own = {last.event_id: last.covers_from} if last.covers_from < last.version else {}
        # The publisher's cursor says it all unless the hub merged or superseded updates.
        cursor = render_cursor(last.seq, covers=covers) if covers and covers != own else last.cursor
        parts.append(stamp_sent(cursor, time.time()))
        return {"type": "websocket.send", "text": "".join(parts)}

    def _write(self, conn: Connection, frame: dict[str, Any]) -> bool:
        """Write a frame without blocking the hub: O(1), no task unless the socket is slow.

        An ASGI send completes synchronously unless the transport is paused (its buffer is
        full). So run it in place until its first suspension; only if it does suspend does
        a task finish it, and the socket is `busy` (later updates go to its outbox).
        """
        conn.last_round = self.round
        proto = conn.direct
        if (
            proto is not None
            and proto.writable.is_set()
            and not proto.close_sent
            and not proto.disconnected
            and proto.conn.state is State.OPEN
            and not proto.conn.extensions
        ):
            # What the ASGI send would do, minus re-framing the same text per socket.
            proto.transport.write(wire_of(frame))
            return True
        coro = conn.send(frame)
        try:
            pending = coro.send(None)
        except StopIteration:
            return True
        except Exception:  # the socket is gone: the consumer's disconnect cleans up
            self.unregister(conn)
            return False
        conn.busy = True
        assert self.loop is not None
        task = self.loop.create_task(_finish(coro, pending))
        task.add_done_callback(lambda t, conn=conn: self._write_done(conn, t))
        self.tasks.append(task)
        return True

    def _write_done(self, conn: Connection, task: asyncio.Task[None]) -> None:
        with contextlib.suppress(ValueError):
            self.tasks.remove(task)
        conn.busy = False
        if task.cancelled() or task.exception() is not None:
            self.unregister(conn)
            return
        if self._flush(conn):
            metrics.FRAMES_OUT.labels(kind="html").inc()

    def _too_slow(self, conn: Connection) -> None:
        metrics.DROPPED.labels(reason="too_slow").inc(len(conn.outbox))
        conn.closing = True
        self.unregister(conn)
        if self.loop is not None:
            self.loop.create_task(conn.on_too_slow())

    @staticmethod
    def _observe_glass(shown: dict[Update, int]) -> None:
        """Goal to glass: received by our feed intake -> written, once per socket."""
        now = time.time()
        for update, sockets in shown.items():
            received = update.ts.get("received")
            if received:
                metrics.GOAL_TO_GLASS.observe(max(0.0, now - received), sockets)

    def _observe_delivery(self, ts: dict[str, float | None]) -> None:
        now = time.time()
        committed, published = ts.get("committed"), ts.get("published")
        if committed:
            metrics.END_TO_END.observe(max(0.0, now - committed))
        if published:
            metrics.STAGE.labels(stage="published_to_delivered").observe(max(0.0, now - published))

    def resync_all(self) -> None:
        """Tell every socket to refetch (messages may have been missed, e.g. Redis lost)."""
        frame = {"type": "websocket.send", "text": json.dumps({"type": "resync"})}
        for conn in list(self.connections):
            if not conn.busy and not conn.held and not conn.closing:
                self._write(conn, frame)
        metrics.FRAMES_OUT.labels(kind="resync").inc(len(self.connections))

    # --- sources --------------------------------------------------------------------

    async def _listen(self) -> None:
        """One Redis subscription for the whole process, re-established after errors."""
        import redis.asyncio as aioredis

        first = True
        while True:
            client = aioredis.from_url(settings.REDIS_URL)
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(settings.LIVE_CHANNEL)
                metrics.REDIS_RECONNECTS.inc()
                self.subscribed.set()
                if not first:
                    self.resync_all()  # whatever was published while we were away is lost
                first = False
                while True:
                    item = await pubsub.get_message(timeout=None)
                    if item is None or item.get("type") != "message":
                        continue
                    try:
                        message = json.loads(item["data"])
                    except ValueError:
                        logger.warning("hub: undecodable message dropped")
                        continue
                    self.dispatch(message)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("hub: Redis subscription lost; retrying")
                first = False  # sockets may have missed messages meanwhile: resync them
                self.subscribed.clear()
                await asyncio.sleep(RETRY_DELAY)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                    await client.aclose()

    async def _advertise(self) -> None:
        """Keep this process's watched events in Redis for the publisher (interest.py)."""
        import redis.asyncio as aioredis

        client = aioredis.from_url(settings.REDIS_URL)
        try:
            while True:
                self.interest_changed.clear()
                watched = self.watched_events()
                try:
                    await client.hset(interest.watching_key(), self.hub_id, interest.entry(watched))
                    self.advertised = watched
                    self.advert_done.set()
                except Exception:
                    logger.warning("hub: could not advertise watched events; retrying")
                # asyncio.timeout, not wait_for: Python 3.11's wait_for can swallow the
                # cancellation that stops the hub when the event is set at that moment.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(interest.REFRESH_SECONDS):
                        await self.interest_changed.wait()
        finally:
            # The entry is not deleted: it goes stale by itself (interest.STALE_SECONDS).
            with contextlib.suppress(Exception):
                await client.aclose()

    async def _embedded_relay(self) -> None:
        """Embedded mode: publish changes written by other processes (e.g. demo_feed)."""
        from channels.db import database_sync_to_async

        from scoreboard.live.relay import forget_backlog, relay_pending

        started = dt.datetime.fromtimestamp(self.started_at, tz=dt.UTC)
        await database_sync_to_async(forget_backlog)(before=started)
        while True:
            await asyncio.sleep(EMBEDDED_RELAY_INTERVAL)
            try:
                await database_sync_to_async(relay_pending)(min_age_seconds=0.0, relay="hub")
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("hub: embedded relay failed; retrying")

    async def _heartbeats(self) -> None:
        while True:
            await asyncio.sleep(settings.LIVE_HEARTBEAT_SECONDS)
            sent = 0
            # Sockets written to since the last round got the cursor with that frame.
            recent = self.round
            for conn in list(self.connections):
                # A busy or held socket has frames in flight: a heartbeat would race them.
                if conn.busy or conn.held or conn.closing or conn.outbox:
                    continue
                if conn.last_round == recent:
                    continue
                text = json.dumps({"type": "heartbeat", "seq": self.latest_for(conn.topics)})
                if self._write(conn, {"type": "websocket.send", "text": text}):
                    sent += 1
            self.round = recent + 1  # writes from now on count for the next round
            metrics.FRAMES_OUT.labels(kind="heartbeat").inc(sent)


_hub = Hub()


def get_hub() -> Hub:
    """The process's hub (one per process; it binds to the loop that starts it)."""
    return _hub


def deliver_threadsafe(message: dict[str, Any]) -> bool:
    """Embedded mode: hand a message from any thread to the hub. False if no hub runs."""
    hub = _hub
    loop = hub.loop
    if loop is None or loop.is_closed() or not loop.is_running():
        return False
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        hub.dispatch(message)
    else:
        loop.call_soon_threadsafe(hub.dispatch, message)
    return True
