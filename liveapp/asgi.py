"""ASGI entry point: HTTP through Django (the feed webhook excepted), WebSockets through
Channels consumers."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liveapp.settings")

# Initialise Django before importing anything that touches models.
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path, re_path  # noqa: E402

from liveapp.asgi_security import DjangoRequestSecurity  # noqa: E402
from liveapp.ip_limits import SocketsPerIP  # noqa: E402
from liveapp.memory import freeze_startup_objects  # noqa: E402
from liveapp.routing import public_websocket_urlpatterns, websocket_urlpatterns  # noqa: E402
from scoreboard.feeds.consumers import PushConsumer  # noqa: E402

# The public live socket is mounted outside the session/auth stack: it never reads the
# session, and under AuthMiddlewareStack every frame the hub writes would pass through
# channels' session wrapper (~15 % of fan-out CPU, docs/PERFORMANCE.md). The origin is
# still checked for every socket route.
application = ProtocolTypeRouter(
    {
        # The feed webhook is a Channels HTTP consumer (no Django handler per push);
        # everything else is Django.
        "http": URLRouter(
            [
                # Outside Django's handler, so given its host check and security
                # middleware here (bad Host: 400; HTTPS redirect and HSTS as configured).
                path(
                    "feeds/<slug:provider>/push",
                    DjangoRequestSecurity(PushConsumer.as_asgi()),
                ),
                re_path(r"", django_asgi_app),
            ]
        ),
        # At most WS_CONNECTIONS_PER_IP sockets per client address in this process.
        "websocket": SocketsPerIP(
            AllowedHostsOriginValidator(
                URLRouter(
                    [
                        *public_websocket_urlpatterns,
                        re_path(r"", AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
                    ]
                )
            )
        ),
    }
)
freeze_startup_objects()
