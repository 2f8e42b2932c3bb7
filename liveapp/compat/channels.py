"""Channels: dispatching a consumer's messages without the per-message database hop.

Channels 4.2+ runs `aclose_old_connections()` (a thread hop) before handling each message
a consumer receives. A consumer that reaches the database only through
`database_sync_to_async` (which closes stale connections around its own call) pays that
hop for nothing on every message. `DispatchWithoutDatabaseHop` skips it, using Channels'
`get_handler_name` as `AsyncConsumer.dispatch` does, with the version it was checked
against only (`TESTED_CHANNELS`); with any other, Channels' own dispatch runs.
"""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

from channels.consumer import get_handler_name

TESTED_CHANNELS = "4.3.2"
SKIPPING = version("channels") == TESTED_CHANNELS


class DispatchWithoutDatabaseHop:
    """Mix in before a Channels consumer class."""

    async def dispatch(self, message: dict[str, Any]) -> None:
        if not SKIPPING:
            await super().dispatch(message)  # type: ignore[misc]  # the consumer's
            return
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)
