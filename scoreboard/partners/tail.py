"""The partner stream's tail of the change log: one reader per process, woken by the hub.

Partner streams must be gap-free and ordered by sequence, so they read the change log
("after N" never steps past an invisible sequence: `append_change` orders commits). But
they need not poll it each: this process's live hub (scoreboard/live/hub.py) already
holds the one Redis subscription; the tail registers with it as one more connection on
every sport topic (each change of an event is published to its sport's topic), and a
message (or the hub's heartbeat, or a resync) only *wakes* it. Then ONE indexed read of
the log per wake serves every partner stream in the process: the rows are rendered once
into SSE messages and kept in a bounded buffer streams read from.

Changes the hub does not carry (event-less changes, a message lost in transit, a sport
created after the tail started) are still picked up: idle, the tail re-reads the log
every API_STREAM_POLL_SECONDS and refreshes its sport topics.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection

from scoreboard.live.hub import Connection, get_hub
from scoreboard.live.topics import sport_topic
from scoreboard.models import Sport

from .selectors import api_payload, api_timestamp, changes_after, latest_change

logger = logging.getLogger(__name__)

BUFFER = 2000  # rendered changes kept for streams that fall a little behind
BATCH = 500


def render(change: Any) -> str:
    """One change as an SSE message: `id: <seq>`, `event: change`, `data: <JSON>`."""
    data = {
        "seq": change.id,
        "event_id": change.event_id,
        "kind": change.kind,
        "version": change.version,
        "created_at": api_timestamp(change.created_at),
        "payload": api_payload(change.payload),
    }
    return f"id: {change.id}\nevent: change\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


def read_rendered(after: int, limit: int = BATCH) -> list[tuple[int, str]]:
    """(seq, message) of the changes after `after`, in order; the connection goes back
    to the pool (this runs in a worker thread, outside any request)."""
    try:
        return [(c.id, render(c)) for c in changes_after(after, limit)]
    finally:
        connection.close()


def _head() -> int:
    try:
        return latest_change()[0]
    finally:
        connection.close()


def _sports() -> list[str]:
    try:
        return sorted(Sport.objects.values_list("slug", flat=True))
    finally:
        connection.close()


class Tail:
    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.head = 0  # every change up to here is in `buffer` or older than `floor`
        self.floor = 0  # `buffer` holds every change in (floor, head]
        self.buffer: collections.deque[tuple[int, str]] = collections.deque()
        self.wake = asyncio.Event()
        self.advanced = asyncio.Event()  # replaced after each advance: a broadcast
        self.ready = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        self.conn: Connection | None = None
        self.sports: list[str] = []

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        if self.loop is not loop:  # first stream, or a new loop (tests)
            self.__init__()  # type: ignore[misc]
            self.loop = loop
            self.task = loop.create_task(self._run())
        await self.ready.wait()

    def messages_after(self, after: int) -> list[tuple[int, str]] | None:
        """Buffered messages after `after`; None if `after` is older than the buffer."""
        if after < self.floor:
            return None
        if after >= self.head:
            return []
        newer = []
        for item in reversed(self.buffer):  # usually a handful at the right end
            if item[0] <= after:
                break
            newer.append(item)
        newer.reverse()
        return newer

    async def wait_after(self, after: int, timeout: float) -> None:
        """Until the tail has read past `after` (or `timeout` seconds pass, however
        often the tail advances meanwhile: the caller's heartbeat depends on it)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while self.head <= after:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                return
            try:
                await asyncio.wait_for(self.advanced.wait(), remaining)
            except TimeoutError:
                return

    # --- the reader ---------------------------------------------------------------

    async def _on_frame(self, frame: dict[str, Any]) -> None:
        # The hub's frame (HTML for pages, or a heartbeat/resync) is not ours to parse:
        # it only says "the log moved". Completes at once, so the hub never waits on us.
        self.wake.set()

    async def _on_too_slow(self) -> None:  # never: our send never blocks
        self._register(self.sports)

    def _register(self, sports: list[str]) -> None:
        hub = get_hub()
        if self.conn is not None:
            hub.unregister(self.conn)
        self.sports = sports
        self.conn = Connection(
            send=self._on_frame,
            topics=[sport_topic(s) for s in sports] or ["live"],
            on_too_slow=self._on_too_slow,
        )
        hub.register(self.conn)

    async def _run(self) -> None:
        await get_hub().start()
        # Registered before the head is read: a change committed after that read is
        # published after it too, so it wakes us.
        self._register(await sync_to_async(_sports, thread_sensitive=False)())
        head = await sync_to_async(_head, thread_sensitive=False)()
        self.head = self.floor = head
        self.ready.set()
        idle = settings.API_STREAM_POLL_SECONDS
        try:
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), idle)
                woken = self.wake.is_set()
                self.wake.clear()
                try:
                    await self._read()
                    if not woken:
                        sports = await sync_to_async(_sports, thread_sensitive=False)()
                        if sports != self.sports:
                            self._register(sports)
                except Exception:
                    logger.exception("partner stream tail: reading the change log failed")
        finally:
            if self.conn is not None:
                get_hub().unregister(self.conn)

    async def _read(self) -> None:
        while True:
            rows = await sync_to_async(read_rendered, thread_sensitive=False)(self.head)
            if not rows:
                return
            self.buffer.extend(rows)
            while len(self.buffer) > BUFFER:
                self.floor = self.buffer.popleft()[0]
            self.head = rows[-1][0]
            advanced, self.advanced = self.advanced, asyncio.Event()
            advanced.set()
            if len(rows) < BATCH:
                return


_tail = Tail()


def get_tail() -> Tail:
    return _tail
