"""The push webhook, `POST /feeds/<provider>/push`: verify, answer 202, enqueue.

A Channels HTTP consumer on its own route (liveapp/asgi.py), not a Django view: it needs
no session, user, CSRF token or template, and Django's ASGI handler would add thread
hops and signals to every push (3.3 ms of CPU per one-message push there, 1.6 ms here;
docs/PERFORMANCE.md). Authentication is the HMAC signature. The broker and, for a
quarantined body, the database are reached through `sync_to_async`.
"""

from __future__ import annotations

import json
import time
from typing import Any

from asgiref.sync import sync_to_async
from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.http import AsyncHttpConsumer
from django.conf import settings
from django.core.cache import cache

from liveapp.clientip import ip_of_scope
from liveapp.ip_limits import count_failed_auth

from .adapters import SIGNATURE_HEADER, TIMESTAMP_HEADER, WebhookRefused, adapter_for_name
from .ingest import quarantine


class PushConsumer(AsyncHttpConsumer):
    # No channel layer per request: nothing is ever sent to this consumer.
    channel_layer_alias = "__feeds_push_no_channel_layer__"

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels closes stale database connections before every message, a thread hop
        # each; a push reaches the database only to quarantine, through
        # `database_sync_to_async`, which closes them around that call itself.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def http_request(self, message: dict[str, Any]) -> None:
        if self.scope["method"] != "POST":
            await self._refuse(405, "method_not_allowed", "use POST")
        limit = settings.FEED_PUSH_MAX_BYTES
        received = sum(map(len, self.body)) + len(message.get("body", b""))
        if self._declared_length() > limit or received > limit:
            # Refused as soon as it shows: a huge body never builds up in memory.
            await self._refuse(413, "too_large", f"body is larger than {limit} bytes")
        await super().http_request(message)

    async def handle(self, body: bytes) -> None:
        received_at = time.time()
        provider = self.scope["url_route"]["kwargs"]["provider"]
        headers = {name.decode("latin-1").lower(): value for name, value in self.scope["headers"]}
        adapter = adapter_for_name(provider)
        try:
            adapter.verify(
                body=body,
                timestamp=_text(headers.get(TIMESTAMP_HEADER.lower())),
                signature=_text(headers.get(SIGNATURE_HEADER.lower())),
            )
        except WebhookRefused as exc:
            refused = exc
            wait = await sync_to_async(count_failed_auth)(ip_of_scope(self.scope))
            if wait is not None:  # this address keeps failing: slow it down
                refused = WebhookRefused(429, "too_many_failures", "too many failed pushes")
            await self._respond(
                refused.status,
                {"error": refused.code, "message": refused.message},
                retry_after=None if wait is None else int(wait),
            )
            return
        # A body is taken once: a replay (same timestamp and signature) within the window
        # is answered as accepted but neither applied nor quarantined again.
        seen_key = (
            f"scoreline:feeds:push-seen:{provider}:{_text(headers[SIGNATURE_HEADER.lower()])}"
        )
        first = await sync_to_async(cache.add)(
            seen_key, 1, 2 * settings.FEED_PUSH_REPLAY_WINDOW_SECONDS + 1
        )
        if not first:
            await self._respond(200, {"accepted": 0, "duplicate": True})
            return
        try:
            await self._take(provider, adapter, body, received_at)
        except BaseException:
            await sync_to_async(cache.delete)(seen_key)  # not taken: a retry may come in
            raise

    async def _take(self, provider: str, adapter: Any, body: bytes, received_at: float) -> None:
        try:
            messages = adapter.batch(body)
        except WebhookRefused as exc:
            # Signed by the provider but unreadable: keep it for a human to look at.
            await database_sync_to_async(quarantine)(
                provider=provider,
                raw=body.decode("utf-8", "replace"),
                reason=f"{exc.code}: {exc.message}",
                received_at=received_at,
            )
            await self._respond(exc.status, {"error": exc.code, "message": exc.message})
            return
        if messages:
            from .tasks import enqueue

            await sync_to_async(enqueue)(provider, messages, received_at)
        await self._respond(202, {"accepted": len(messages)})

    def _declared_length(self) -> int:
        for name, value in self.scope["headers"]:
            if name.lower() == b"content-length":
                try:
                    return int(value)
                except ValueError:
                    return 0
        return 0

    async def _refuse(self, status: int, code: str, message: str) -> None:
        await self._respond(status, {"error": code, "message": message})
        raise StopConsumer()

    async def _respond(
        self, status: int, payload: dict[str, Any], retry_after: int | None = None
    ) -> None:
        headers = [(b"content-type", b"application/json")]
        if retry_after is not None:
            headers.append((b"retry-after", str(retry_after).encode()))
        await self.send_response(status, json.dumps(payload).encode(), headers=headers)


def _text(value: bytes | None) -> str | None:
    return value.decode("latin-1") if value is not None else None
