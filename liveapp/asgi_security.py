"""Django's request security for ASGI routes served outside Django's handler.

The feed webhook is a Channels HTTP consumer (liveapp/asgi.py), so Django's middleware
never sees it. This ASGI middleware gives such a route the same answers Django gives
its own views, with Django's own code: the ALLOWED_HOSTS check (400 for a bad Host)
and SecurityMiddleware (the HTTPS redirect, HSTS and the other security headers),
with whatever settings production has.
"""

from __future__ import annotations

import io
import json
from collections.abc import Awaitable, Callable
from typing import Any

from django.core.exceptions import DisallowedHost
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpResponse, HttpResponseBase
from django.middleware.security import SecurityMiddleware

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


def _unused(request: Any) -> HttpResponseBase:
    raise AssertionError("SecurityMiddleware is only asked for its hooks here")


class DjangoRequestSecurity:
    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = ASGIRequest(scope, io.BytesIO())  # headers only: the body stays unread
        try:
            request.get_host()
        except DisallowedHost:
            body = json.dumps({"error": "bad_host", "message": "Host is not allowed"})
            await _send(send, HttpResponse(body, status=400, content_type="application/json"))
            return
        # Built per request: settings are read when it is made (as in tests' overrides).
        security = SecurityMiddleware(_unused)
        redirect = security.process_request(request)
        if redirect is not None:
            await _send(send, redirect)
            return
        extra = [
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in security.process_response(request, HttpResponse()).items()
            if name.lower() != "content-type"
        ]

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _send(send: Send, response: HttpResponseBase) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": response.status_code,
            "headers": [
                (name.lower().encode("latin-1"), value.encode("latin-1"))
                for name, value in response.items()
            ],
        }
    )
    await send({"type": "http.response.body", "body": response.content})
