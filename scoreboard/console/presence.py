"""Who has which event open in the console, from the open presence sockets.

One entry per socket, refreshed by its consumer every `REFRESH_SECONDS` and expiring
after `TTL_SECONDS`, so a crashed process's editors vanish on their own. With Redis the
entries live in one hash shared by every ASGI process; embedded mode keeps them in
this process.
"""

from __future__ import annotations

import json
import time
from typing import Any

from django.conf import settings

KEY = "console:presence"
TTL_SECONDS = 15
REFRESH_SECONDS = 2

# Embedded mode (one process): socket id -> entry.
_local: dict[str, dict[str, Any]] = {}


class PresenceStore:
    """Async store of presence entries: {"user": name, "event": id | None, "expires": ts}."""

    def __init__(self) -> None:
        self._redis = None
        if settings.REDIS_URL:
            import redis.asyncio as aioredis

            self._redis = aioredis.from_url(settings.REDIS_URL)

    async def put(self, socket_id: str, *, user: str, event: int | None) -> None:
        entry = {"user": user, "event": event, "expires": time.time() + TTL_SECONDS}
        if self._redis is None:
            _local[socket_id] = entry
            return
        await self._redis.hset(KEY, socket_id, json.dumps(entry))
        # The whole hash also expires if every process dies.
        await self._redis.expire(KEY, TTL_SECONDS * 4)

    async def remove(self, socket_id: str) -> None:
        if self._redis is None:
            _local.pop(socket_id, None)
            return
        await self._redis.hdel(KEY, socket_id)

    async def snapshot(self) -> dict[str, list[str]]:
        """{event id (str): sorted editor names} for every event someone has open."""
        now = time.time()
        if self._redis is None:
            entries = dict(_local)
        else:
            raw = await self._redis.hgetall(KEY)
            entries = {k.decode(): json.loads(v) for k, v in raw.items()}
        expired = [k for k, e in entries.items() if e["expires"] < now]
        if expired:
            if self._redis is None:
                for key in expired:
                    _local.pop(key, None)
            else:
                await self._redis.hdel(KEY, *expired)
        events: dict[str, set[str]] = {}
        for key, entry in entries.items():
            if key not in expired and entry.get("event") is not None:
                events.setdefault(str(entry["event"]), set()).add(entry["user"])
        return {event: sorted(names) for event, names in events.items()}

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
