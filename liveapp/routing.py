"""WebSocket routes (one list, so each area adds its consumers here)."""

from __future__ import annotations

from django.urls import path

from scoreboard.console.consumers import PresenceConsumer
from scoreboard.live.consumers import LiveConsumer

websocket_urlpatterns: list = [
    path("ws/live/", LiveConsumer.as_asgi()),
    path("ws/console/presence/", PresenceConsumer.as_asgi()),
]
