"""WebSocket routes (one list per stack, so each area adds its consumers here)."""

from __future__ import annotations

from django.urls import path

from scoreboard.console.consumers import PresenceConsumer, StaffLiveConsumer
from scoreboard.live.consumers import LiveConsumer

# Public sockets, served without the session/auth middleware (origin still checked).
public_websocket_urlpatterns: list = [
    path("ws/live/", LiveConsumer.as_asgi()),
]

# Sockets that need `scope["user"]` / `scope["session"]` (AuthMiddlewareStack).
websocket_urlpatterns: list = [
    path("ws/console/presence/", PresenceConsumer.as_asgi()),
    # The live stream for the admin pages, behind the console's role check.
    path("ws/console/live/", StaffLiveConsumer.as_asgi()),
]
