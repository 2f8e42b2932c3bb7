"""Staff sockets: presence (who has which event open) and the staff live stream.

Presence: thin consumer: authorise from the scope, keep this socket's entry fresh in the
presence store, and send the snapshot whenever it changes (polled every couple of
seconds, so it works across processes without a channel-layer group).

The role is read again from the database with every message and every
ROLE_RECHECK_SECONDS: staff who lose it (group removed, account deactivated) are
closed out and vanish from the others' boards. Only events that exist are announced.

Staff live stream (`/ws/console/live/`): the public live socket's protocol, topics and
fragments (`LiveConsumer`), behind the console's role check. The admin pages use it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.contrib.auth import get_user_model

from scoreboard.inputs import MAX_ID_DIGITS
from scoreboard.live.consumers import LiveConsumer
from scoreboard.models import Event

from .presence import REFRESH_SECONDS, PresenceStore
from .roles import role_of

MAX_MESSAGE_BYTES = 256
CLOSE_FORBIDDEN = 4403
CLOSE_BAD_MESSAGE = 4400
CLOSE_RATE = 4429
# Opening events is a human action: a burst beyond this is a misbehaving client.
MAX_MESSAGES_PER_10S = 20
ROLE_RECHECK_SECONDS = 5.0


class PresenceConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if await database_sync_to_async(role_of)(user) is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.socket_id = uuid.uuid4().hex
        self.user_id = user.pk
        self.role_checked_at = time.monotonic()
        self.username = user.get_username()
        self.event_id: int | None = None
        self.last: dict[str, list[str]] | None = None
        self.store = PresenceStore()
        self.recent: list[float] = []
        await self.accept()
        await self._refresh(force=True)
        self.loop = asyncio.create_task(self._keep_fresh())

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        now = time.monotonic()
        self.recent = [t for t in self.recent if t > now - 10] + [now]
        if len(self.recent) > MAX_MESSAGES_PER_10S:
            await self.close(code=CLOSE_RATE)
            return
        if not await self._still_allowed():
            return
        message = self._parse(text_data)
        if message is None or not await _exists(message["event"]):
            await self.close(code=CLOSE_BAD_MESSAGE)
            return
        self.event_id = message["event"]
        await self._refresh(force=True)

    async def _still_allowed(self) -> bool:
        """Whether the user still has a console role now; if not, close the socket."""
        self.role_checked_at = time.monotonic()
        if await database_sync_to_async(_role_now)(self.user_id) is not None:
            return True
        await self.store.remove(self.socket_id)
        await self.close(code=CLOSE_FORBIDDEN)
        return False

    async def disconnect(self, code: int) -> None:
        loop = getattr(self, "loop", None)
        if loop is not None:
            loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await loop
        if hasattr(self, "store"):
            await self.store.remove(self.socket_id)
            await self.store.close()

    @staticmethod
    def _parse(text: str | None) -> dict[str, Any] | None:
        """Only {"type": "open", "event": <id or null>} is accepted."""
        if not text or len(text.encode()) > MAX_MESSAGE_BYTES:
            return None
        try:
            message = json.loads(text)
        except ValueError:
            return None
        if not isinstance(message, dict) or message.get("type") != "open":
            return None
        event = message.get("event")
        if event is not None and (
            isinstance(event, bool)
            or not isinstance(event, int)
            or not 0 < event < 10**MAX_ID_DIGITS
        ):
            return None
        return {"event": event}

    async def _keep_fresh(self) -> None:
        while True:
            await asyncio.sleep(REFRESH_SECONDS)
            due = time.monotonic() - self.role_checked_at >= ROLE_RECHECK_SECONDS
            if due and not await self._still_allowed():
                return
            await self._refresh()

    async def _refresh(self, *, force: bool = False) -> None:
        await self.store.put(self.socket_id, user=self.username, event=self.event_id)
        snapshot = await self.store.snapshot()
        if force or snapshot != self.last:
            self.last = snapshot
            await self.send(text_data=json.dumps({"type": "presence", "events": snapshot}))


def _role_now(user_id: int) -> str | None:
    return role_of(get_user_model().objects.filter(pk=user_id).first())


@database_sync_to_async
def _exists(event_id: int | None) -> bool:
    return event_id is None or Event.objects.filter(pk=event_id).exists()


class StaffLiveConsumer(LiveConsumer):
    """`LiveConsumer` for staff pages: same frames, refused (4403) without a console role."""

    async def connect(self) -> None:
        if await database_sync_to_async(role_of)(self.scope.get("user")) is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await super().connect()
