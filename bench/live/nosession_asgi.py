"""Variant for measurement only: every socket route without the session/auth middleware
(origin still checked). Since liveapp/asgi.py mounts `/ws/live/` outside the auth stack
itself, this is the same as the shipped app for the live socket; it stays to compare.

    uvicorn bench.live.nosession_asgi:application --ws-per-message-deflate false
"""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liveapp.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from liveapp.routing import public_websocket_urlpatterns, websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            URLRouter([*public_websocket_urlpatterns, *websocket_urlpatterns])
        ),
    }
)
