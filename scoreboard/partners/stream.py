"""Live stream for partners: server-sent events of every change, resumable by sequence.

`GET /api/v1/stream?after=SEQ` (or the `Last-Event-ID` header browsers/EventSource
clients send on reconnect) with `Authorization: Api-Key <token>` and the `stream` scope.
Each change is one SSE message: `id: <seq>`, `event: change`, `data: <JSON>`.

SSE rather than a WebSocket: one-way, plain HTTP (proxies, curl, EventSource with
`Last-Event-ID` resume for free) and the same API-key header as the REST calls.

Streams do not poll: the process's `Tail` (tail.py) is woken by the live hub's single
Redis subscription, reads the change log once per wake for every stream (the same
"after N" read as the changes feed, so resume is exact and no sequence is skipped), and
each stream sends from its buffer.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from rest_framework.exceptions import AuthenticationFailed

from .auth import KEYWORD, hit, key_from_header, parse_rate
from .models import ApiKey, Scope
from .selectors import latest_change
from .tail import get_tail, read_rendered

KEEPALIVE_SECONDS = 15


def _error(status: int, code: str, detail: str, **headers: str) -> JsonResponse:
    response = JsonResponse({"error": code, "detail": detail}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _authorise(header: str) -> ApiKey | HttpResponse:
    try:
        key = key_from_header(header)
    except AuthenticationFailed as exc:
        return _error(401, "authentication_failed", str(exc.detail), WWW_Authenticate=KEYWORD)
    if key is None:
        return _error(
            401,
            "not_authenticated",
            "an API key is required: 'Authorization: Api-Key <token>'",
            WWW_Authenticate=KEYWORD,
        )
    if not key.has_scope(Scope.STREAM):
        return _error(403, "permission_denied", "this API key lacks the 'stream' scope")
    limit, window = parse_rate(key.rate)
    wait = hit(f"key{key.pk}", limit, window)
    if wait is not None:
        return _error(429, "throttled", "rate limit exceeded", Retry_After=str(int(wait + 0.999)))
    return key


def _start(request: HttpRequest) -> int | HttpResponse:
    raw = request.headers.get("Last-Event-ID") or request.GET.get("after")
    if raw is None:
        return latest_change()[0]  # no cursor: from now on
    try:
        after = int(raw)
    except ValueError:
        return _error(400, "invalid", "after / Last-Event-ID must be a sequence number")
    if after < 0:
        return _error(400, "invalid", "after / Last-Event-ID must be a sequence number")
    return after


async def _messages(after: int) -> AsyncIterator[str]:
    tail = get_tail()
    await tail.start()
    yield f"retry: 2000\n: resuming after {after}\n\n"
    quiet_since = time.monotonic()
    while True:
        items = tail.messages_after(after)
        if items is None:  # further back than the tail's buffer: catch up from the log
            items = await sync_to_async(read_rendered, thread_sensitive=False)(after)
            if not items:
                # Nothing in (after, floor]: every sequence up to the tail's floor is
                # visible already (the tail read past it), so none can still appear.
                after = tail.floor
                continue
        if items:
            for _, text in items:
                yield text
            after = items[-1][0]
            quiet_since = time.monotonic()
            continue
        remaining = KEEPALIVE_SECONDS - (time.monotonic() - quiet_since)
        if remaining <= 0:
            yield ": keepalive\n\n"  # keeps proxies from closing an idle stream
            quiet_since = time.monotonic()
            continue
        await tail.wait_after(after, remaining)


async def change_stream(request: HttpRequest) -> HttpResponse:
    if request.method != "GET":
        return _error(405, "method_not_allowed", "use GET")
    key = await sync_to_async(_authorise, thread_sensitive=False)(
        request.headers.get("Authorization", "")
    )
    if isinstance(key, HttpResponse):
        return key
    after = await sync_to_async(_start, thread_sensitive=False)(request)
    if isinstance(after, HttpResponse):
        return after
    response = StreamingHttpResponse(_messages(after), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx: do not buffer the stream
    return response
