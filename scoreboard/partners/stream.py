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

Every heartbeat (API_STREAM_HEARTBEAT_SECONDS) a stream re-reads its key: revoked or
without the `stream` scope, it sends a last `event: error` naming the reason and ends;
otherwise it sends a `: keepalive` comment, busy or idle. A cursor ahead of the log gets
an `event: error` (`cursor_ahead`) at once.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework.exceptions import AuthenticationFailed

from .auth import WWW_AUTHENTICATE, hit, key_from_header, parse_rate
from .models import ApiKey, Scope
from .selectors import latest_change
from .tail import get_tail, read_rendered


def _error(status: int, code: str, detail: str, **headers: str) -> JsonResponse:
    response = JsonResponse({"error": code, "detail": detail}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _authorise(header: str) -> ApiKey | HttpResponse:
    try:
        key = key_from_header(header)
    except AuthenticationFailed as exc:
        return _error(
            401, "authentication_failed", str(exc.detail), WWW_Authenticate=WWW_AUTHENTICATE
        )
    if key is None:
        return _error(
            401,
            "not_authenticated",
            "an API key is required: 'Authorization: Api-Key <token>'",
            WWW_Authenticate=WWW_AUTHENTICATE,
        )
    if not key.has_scope(Scope.STREAM):
        return _error(403, "permission_denied", "this API key lacks the 'stream' scope")
    limit, window = parse_rate(key.rate)
    wait = hit(f"key{key.pk}", limit, window)
    if wait is not None:
        return _error(429, "throttled", "rate limit exceeded", Retry_After=str(int(wait + 0.999)))
    return key


def _start(request: HttpRequest) -> tuple[int, int] | HttpResponse:
    """(cursor, latest sequence), or a 400."""
    raw = request.headers.get("Last-Event-ID") or request.GET.get("after")
    latest = latest_change()[0]
    if raw is None:
        return latest, latest  # no cursor: from now on
    try:
        after = int(raw)
    except ValueError:
        return _error(400, "invalid", "after / Last-Event-ID must be a sequence number")
    if after < 0:
        return _error(400, "invalid", "after / Last-Event-ID must be a sequence number")
    return after, latest


def error_event(code: str, detail: str) -> str:
    data = json.dumps({"error": code, "detail": detail}, separators=(",", ":"))
    return f"event: error\ndata: {data}\n\n"


def _refusal(key_id: int) -> str | None:
    """Why this key may no longer stream (an `event: error`), or None. One PK read."""
    try:
        row = ApiKey.objects.filter(pk=key_id).values_list("revoked_at", "scopes").first()
    finally:
        connection.close()  # a worker thread outside any request: back to the pool
    if row is None:
        return error_event("key_deleted", "this API key no longer exists")
    revoked_at, scopes = row
    if revoked_at is not None:
        return error_event("key_revoked", "this API key has been revoked")
    if Scope.STREAM not in scopes:
        return error_event("scope_removed", "this API key no longer has the 'stream' scope")
    return None


async def _cursor_ahead(after: int, latest: int) -> AsyncIterator[str]:
    yield error_event(
        "cursor_ahead",
        f"after={after} is ahead of the change log (latest sequence {latest}): "
        "reconnect from a sequence this stream gave you, or without a cursor",
    )


async def _messages(key_id: int, after: int) -> AsyncIterator[str]:
    tail = get_tail()
    await tail.start()
    yield f"retry: 2000\n: resuming after {after}\n\n"
    heartbeat = settings.API_STREAM_HEARTBEAT_SECONDS
    next_beat = time.monotonic() + heartbeat
    while True:
        if time.monotonic() >= next_beat:
            # Busy or idle: the key is re-checked and a keepalive sent every heartbeat.
            refusal = await sync_to_async(_refusal, thread_sensitive=False)(key_id)
            if refusal is not None:
                yield refusal
                return
            yield ": keepalive\n\n"  # keeps proxies from closing an idle stream
            next_beat = time.monotonic() + heartbeat
            continue
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
            continue
        await tail.wait_after(after, next_beat - time.monotonic())


@csrf_exempt  # API-key authenticated, never a cookie: CSRF would answer an HTML 403
async def change_stream(request: HttpRequest) -> HttpResponse:
    if request.method != "GET":
        return _error(
            405, "method_not_allowed", f'Method "{request.method}" not allowed.', Allow="GET"
        )
    key = await sync_to_async(_authorise, thread_sensitive=False)(
        request.headers.get("Authorization", "")
    )
    if isinstance(key, HttpResponse):
        return key
    start = await sync_to_async(_start, thread_sensitive=False)(request)
    if isinstance(start, HttpResponse):
        return start
    after, latest = start
    # A cursor ahead of the log did not come from us: say so instead of waiting forever.
    messages = _cursor_ahead(after, latest) if after > latest else _messages(key.pk, after)
    response = StreamingHttpResponse(messages, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx: do not buffer the stream
    return response
