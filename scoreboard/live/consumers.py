"""The live socket: `/ws/live/?topics=<comma list>&since=<cursor>`.

The protocol (topics, frames, close codes) is described in docs/ARCHITECTURE.md, "Live
delivery".

Thin: the consumer validates the request, accepts, registers with the process's hub,
replays what the socket missed and polices client input. Delivery itself is the hub's:
it writes pre-rendered frames to `base_send` directly, so no channel-layer message (and
no `aclose_old_connections()` thread hop, docs/PERFORMANCE.md) sits on the per-update path.
Origin is checked by AllowedHostsOriginValidator in liveapp/asgi.py.

Close codes: 4400 bad request or message, 4429 client too chatty, 4408 too slow to keep
up (the client reconnects and resyncs).
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import parse_qs

from channels.generic.websocket import AsyncWebsocketConsumer

from scoreboard.live import metrics
from scoreboard.live.hub import CLOSE_TOO_SLOW, Connection, get_hub
from scoreboard.live.replay import resume
from scoreboard.live.topics import InvalidTopics, parse_topics

CLOSE_BAD_MESSAGE = 4400
CLOSE_RATE_LIMITED = 4429
MAX_CLIENT_MESSAGE = 512  # bytes; the only message a client sends is {"type": "ping"}
# Token bucket: a burst of a few pings, then one every 2 s on average.
PING_BURST = 5.0
PING_RATE = 0.5  # tokens per second


class BadRequest(ValueError):
    pass


def parse_query(query_string: bytes) -> tuple[list[str], int | None]:
    """(topics, since) from the socket URL's query string; BadRequest if malformed."""
    try:
        query = parse_qs(query_string.decode("ascii"), max_num_fields=5)
        topics = parse_topics(query.get("topics", [""])[0])
    except (UnicodeDecodeError, ValueError, InvalidTopics) as exc:
        raise BadRequest(str(exc)) from None
    raw_since = query.get("since", [""])[0].strip()
    if not raw_since:
        return topics, None
    if not (raw_since.isascii() and raw_since.isdigit()) or len(raw_since) > 18:
        raise BadRequest("since must be a sequence number")
    return topics, int(raw_since)


class LiveConsumer(AsyncWebsocketConsumer):
    # No channel layer per socket: the hub's single subscription does the fan-out.
    channel_layer_alias = "__live_no_channel_layer__"

    connection: Connection | None = None
    close_code: int | None = None

    async def connect(self) -> None:
        try:
            topics, since = parse_query(self.scope.get("query_string", b""))
        except BadRequest:
            await self.accept()  # accept first, so the client sees the close code
            await self._refuse(CLOSE_BAD_MESSAGE, "bad_request")
            return
        self.tokens = PING_BURST
        self.tokens_at = time.monotonic()
        hub = get_hub()
        await hub.start()
        self.connection = Connection(
            send=self.base_send, topics=topics, on_too_slow=self._close_too_slow
        )
        # Registered (held) before accepting and before reading the log: a change
        # committed meanwhile is queued rather than missed, never sent before the accept,
        # and what the replay already covered is skipped on release.
        hub.register(self.connection, hold=True)
        await self.accept()
        texts, replayed_through = await resume(self.connection, topics=topics, since=since)
        for text in texts:
            await self.send(text_data=text)
        if not self.connection.closing:
            hub.release(self.connection, replayed_through=replayed_through)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.connection is None or self.connection.closing:
            return
        if not self._take_token():
            await self._refuse(CLOSE_RATE_LIMITED, "rate")
            return
        if text_data is None or len(text_data.encode()) > MAX_CLIENT_MESSAGE:
            await self._refuse(CLOSE_BAD_MESSAGE, "size_or_binary")
            return
        try:
            message: Any = json.loads(text_data)
        except ValueError:
            message = None
        if message != {"type": "ping"}:
            await self._refuse(CLOSE_BAD_MESSAGE, "unknown_message")
            return
        # A ping needs no answer: heartbeats already flow; it only keeps proxies awake.

    async def disconnect(self, code: int) -> None:
        if self.connection is not None:
            get_hub().unregister(self.connection)
        if self.close_code is None:  # closed by the client or the network
            metrics.count_close(code)

    def _take_token(self) -> bool:
        now = time.monotonic()
        self.tokens = min(PING_BURST, self.tokens + (now - self.tokens_at) * PING_RATE)
        self.tokens_at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True

    async def _refuse(self, code: int, reason: str) -> None:
        metrics.CLIENT_VIOLATIONS.labels(reason=reason).inc()
        await self._close_with(code)

    async def _close_too_slow(self) -> None:
        await self._close_with(CLOSE_TOO_SLOW)

    async def _close_with(self, code: int) -> None:
        if self.connection is not None:
            self.connection.closing = True
            get_hub().unregister(self.connection)
        self.close_code = code
        metrics.count_close(code)
        await self.close(code=code)
