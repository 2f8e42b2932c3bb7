"""WebSocket routes (one list, so each area adds its consumers here)."""

from __future__ import annotations

websocket_urlpatterns: list = []
