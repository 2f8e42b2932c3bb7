"""Limits per client address (see clientip.py for which address that is).

- failed authentication (API keys, feed pushes): counted in the shared cache per
  minute; past AUTH_FAILURES_PER_IP_PER_MINUTE the address is answered 429 until the
  minute ends;
- anonymous page loads: django-ratelimit, ANON_PAGE_RATE per address (middleware);
- long-poll waits and WebSocket connections: held open, they are counted per process
  (each holds this process's threads or memory), at most LONGPOLL_WAITS_PER_IP and
  WS_CONNECTIONS_PER_IP at a time.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django_ratelimit.core import is_ratelimited

from .clientip import ip_of_request, ip_of_scope

FAILURE_WINDOW = 60  # seconds


def count_failed_auth(ip: str) -> float | None:
    """Count one failed authentication from `ip`; seconds to wait if it is over the limit."""
    now = time.time()
    start = int(now // FAILURE_WINDOW) * FAILURE_WINDOW
    key = f"scoreline:authfail:{ip}:{start}"
    cache.add(key, 0, FAILURE_WINDOW + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        count = 1
    if count > settings.AUTH_FAILURES_PER_IP_PER_MINUTE:
        return max(1.0, start + FAILURE_WINDOW - now)
    return None


class ProcessSlots:
    """At most `limit()` concurrent holders per key in this process."""

    def __init__(self, limit: Callable[[], int]) -> None:
        self.limit = limit
        self.held: Counter[str] = Counter()
        self.lock = threading.Lock()

    def acquire(self, key: str) -> bool:
        with self.lock:
            if self.held[key] >= self.limit():
                return False
            self.held[key] += 1
            return True

    def release(self, key: str) -> None:
        with self.lock:
            self.held[key] -= 1
            if self.held[key] <= 0:
                del self.held[key]

    @contextmanager
    def slot(self, key: str) -> Iterator[bool]:
        granted = self.acquire(key)
        try:
            yield granted
        finally:
            if granted:
                self.release(key)


LONGPOLL_WAITS = ProcessSlots(lambda: settings.LONGPOLL_WAITS_PER_IP)
SOCKETS = ProcessSlots(lambda: settings.WS_CONNECTIONS_PER_IP)

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class SocketsPerIP:
    """ASGI middleware: refuse a WebSocket past WS_CONNECTIONS_PER_IP from one address
    (the handshake answers 403, before any consumer runs)."""

    def __init__(self, app: Callable[..., Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        ip = ip_of_scope(scope)
        if not SOCKETS.acquire(ip):
            await receive()  # the websocket.connect message
            await send({"type": "websocket.close", "code": 1008})
            return
        try:
            await self.app(scope, receive, send)
        finally:
            SOCKETS.release(ip)


# Anonymous page loads: everything but the API (its own limits), the feed webhook,
# static files and the probes.
_UNLIMITED_PREFIXES = ("/api/", "/static/", "/feeds/", "/healthz", "/readyz", "/metrics")


class AnonymousPageLimit:
    """Django middleware: ANON_PAGE_RATE page loads per address for anonymous visitors."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        rate = settings.ANON_PAGE_RATE
        if (
            rate
            and not request.path.startswith(_UNLIMITED_PREFIXES)
            and not request.user.is_authenticated
            and is_ratelimited(
                request, group="anonymous-pages", key=_ip_key, rate=rate, increment=True
            )
        ):
            response = HttpResponse(
                "Too many requests from your address; try again in a minute.\n",
                status=429,
                content_type="text/plain",
            )
            response["Retry-After"] = "60"
            return response
        return self.get_response(request)


def _ip_key(group: str, request: HttpRequest) -> str:
    return ip_of_request(request)
