"""Variant for measurement only: the project's live consumer without the session/auth
middleware around it (origin still checked). The live socket serves public pages and
never reads the session, yet channels' session wrapper runs on every `send` (checks
`session.modified` through a LazyObject): this app measures what that costs per delivery.

    uvicorn bench.live.nosession_asgi:application --ws-per-message-deflate false
"""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liveapp.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from liveapp.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(URLRouter(websocket_urlpatterns)),
    }
)
