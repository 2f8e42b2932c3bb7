"""Project middleware."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase


class SyncMiddlewareChain:
    """The innermost middleware, sync-only: it makes the whole chain above it sync.

    Under ASGI, Django runs each async-capable `MiddlewareMixin` (sessions, CSRF, auth,
    ...) in async mode, where every `process_request` and `process_response` is its own
    `sync_to_async` hop to a thread: ~16 hops, ~3.5 ms of CPU for a trivial request
    (docs/PERFORMANCE.md). With a sync-only middleware innermost, Django adapts once
    at the top and runs the chain in one thread; async views still run in the loop.
    """

    sync_capable = True
    async_capable = False

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)
