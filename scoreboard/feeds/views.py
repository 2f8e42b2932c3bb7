"""The push webhook: verify, answer 202 at once, hand the batch to the ingest queue.

An async view: checking a signature and parsing a body need no thread, and a sync
view costs a new thread per request under ASGI. The broker and the database are
reached through `sync_to_async`.
"""

from __future__ import annotations

import time

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .adapters import SIGNATURE_HEADER, TIMESTAMP_HEADER, WebhookRefused, adapter_for_name
from .ingest import quarantine


def _refused(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": code, "message": message}, status=status)


@csrf_exempt  # machine-to-machine: authenticated by the HMAC signature, not a cookie
@require_POST
async def push(request: HttpRequest, provider: str) -> JsonResponse:
    received_at = time.time()
    limit = settings.FEED_PUSH_MAX_BYTES
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        # Refuse before reading: a huge body never reaches memory.
        return _refused(413, "too_large", f"body is larger than {limit} bytes")
    body = request.body
    if len(body) > limit:
        return _refused(413, "too_large", f"body is larger than {limit} bytes")
    adapter = adapter_for_name(provider)
    try:
        adapter.verify(
            body=body,
            timestamp=request.headers.get(TIMESTAMP_HEADER),
            signature=request.headers.get(SIGNATURE_HEADER),
        )
    except WebhookRefused as exc:
        return _refused(exc.status, exc.code, exc.message)
    try:
        messages = adapter.batch(body)
    except WebhookRefused as exc:
        # Signed by the provider but unreadable: keep it for a human to look at.
        await sync_to_async(quarantine)(
            provider=provider,
            raw=body.decode("utf-8", "replace"),
            reason=f"{exc.code}: {exc.message}",
            received_at=received_at,
        )
        return _refused(exc.status, exc.code, exc.message)
    if messages:
        from .tasks import enqueue

        await sync_to_async(enqueue)(provider, messages, received_at)
    return JsonResponse({"accepted": len(messages)}, status=202)
