"""The textbook Channels fan-out, for the record: one channel-layer group member per socket.

Every viewer's consumer joins one group; the publisher `group_send`s each frame to it, so
the channel layer carries one message per socket (the design asks for these figures:
docs/ARCHITECTURE.md, "Live delivery").

    DJANGO_SETTINGS_MODULE=bench.live.alt_settings BENCH_LAYER=core \
        uvicorn bench.live.alt_asgi:application --ws-per-message-deflate false
"""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.live.alt_settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path  # noqa: E402

from bench.live.common import GROUP  # noqa: E402


class GroupMemberConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        await self.channel_layer.group_add(GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(GROUP, self.channel_name)

    async def live_frame(self, message: dict) -> None:
        await self.send(text_data=message["text"])


application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter([path("ws/live/", GroupMemberConsumer.as_asgi())]))
        ),
    }
)
