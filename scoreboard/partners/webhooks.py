"""Webhook delivery: signing, topic matching and in-order delivery with backoff.

Each webhook has one cursor (the highest sequence acknowledged). A delivery run sends
the next pending change, and only after a 2xx moves the cursor and sends the next: so
a partner receives changes in sequence order, each acknowledged once (a retry resends
the same sequence, which the receiver dedupes by the `Scoreline-Sequence` /
`Idempotency-Key` header).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import time
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from scoreboard.models import Change

from . import egress
from .models import Webhook, WebhookDelivery
from .selectors import latest_change

SIGNATURE_HEADER = "Scoreline-Signature"
SEQUENCE_HEADER = "Scoreline-Sequence"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """`t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def body_of(change: Change) -> bytes:
    return json.dumps(
        {
            "seq": change.id,
            "event_id": change.event_id,
            "kind": change.kind,
            "version": change.version,
            "created_at": change.created_at.isoformat(),
            "payload": change.payload,
        },
        separators=(",", ":"),
    ).encode()


def matching(webhook: Webhook) -> QuerySet[Change]:
    qs = Change.objects.filter(id__gt=webhook.cursor)
    topics = webhook.topics or {}
    if topics.get("all"):
        return qs
    wanted = Q(pk__in=[])
    if topics.get("sports"):
        wanted |= Q(event__competition__sport_id__in=topics["sports"])
    if topics.get("competitions"):
        wanted |= Q(event__competition_id__in=topics["competitions"])
    if topics.get("events"):
        wanted |= Q(event_id__in=topics["events"])
    return qs.filter(wanted)


def backoff(failures: int) -> float:
    """Exponential: base * 2^(failures-1), capped."""
    return min(
        settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** (failures - 1),
        settings.WEBHOOK_RETRY_MAX_SECONDS,
    )


@dataclass(frozen=True)
class RunResult:
    delivered: int = 0
    retry_in: float | None = None  # a failure: try again after this many seconds
    more: bool = False  # the batch filled up: run again at once


def post(webhook: Webhook, change: Change) -> tuple[bool, int | None, str, int]:
    body = body_of(change)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Scoreline-Webhooks/1",
        SIGNATURE_HEADER: sign(webhook.secret, timestamp, body),
        SEQUENCE_HEADER: str(change.id),
        "Idempotency-Key": str(change.id),
    }
    started = time.monotonic()
    # Through egress: only public addresses, pinned against DNS rebinding, and errors
    # in categories (no transport message a partner could read ports from).
    status, error = egress.post(
        webhook.url, content=body, headers=headers, timeout=settings.WEBHOOK_TIMEOUT_SECONDS
    )
    if status is None:
        return False, None, error, 0
    ok = 200 <= status < 300
    return ok, status, "" if ok else f"HTTP {status}", _ms(started)


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def deliver_pending(webhook_id: int, *, batch: int) -> RunResult:
    """Deliver up to `batch` pending changes to one webhook, in order, stopping at a failure.

    The caller holds the webhook's delivery lock (one run at a time per webhook).
    """
    webhook = Webhook.objects.filter(pk=webhook_id, active=True).first()
    if webhook is None:
        return RunResult()
    now = timezone.now()
    if webhook.next_attempt_at and webhook.next_attempt_at > now:
        return RunResult(retry_in=(webhook.next_attempt_at - now).total_seconds())
    # Everything at or below `latest` is committed (ordered appends), so if nothing
    # matches up to it the cursor can jump there and later scans start higher.
    latest = latest_change()[0]
    changes = list(matching(webhook).filter(id__lte=latest).order_by("id")[:batch])
    if not changes:
        if latest > webhook.cursor:
            Webhook.objects.filter(pk=webhook.pk, cursor__lt=latest).update(cursor=latest)
        return RunResult()
    delivered = 0
    for change in changes:
        ok, status, error, ms = post(webhook, change)
        WebhookDelivery.objects.create(
            webhook=webhook,
            sequence=change.id,
            attempt=webhook.consecutive_failures + 1,
            ok=ok,
            status_code=status,
            error=error,
            duration_ms=ms,
        )
        if ok:
            delivered += 1
            webhook.cursor = change.id
            webhook.consecutive_failures = 0
            Webhook.objects.filter(pk=webhook.pk).update(
                cursor=change.id, consecutive_failures=0, next_attempt_at=None
            )
            continue
        return _failed(webhook, delivered, error)
    return RunResult(delivered=delivered, more=len(changes) == batch)


def _failed(webhook: Webhook, delivered: int, error: str) -> RunResult:
    failures = webhook.consecutive_failures + 1
    if failures >= settings.WEBHOOK_MAX_FAILURES:
        Webhook.objects.filter(pk=webhook.pk).update(
            consecutive_failures=failures,
            active=False,
            next_attempt_at=None,
            disabled_reason=f"disabled after {failures} consecutive failures (last: {error})"[:200],
        )
        return RunResult(delivered=delivered)
    delay = backoff(failures)
    Webhook.objects.filter(pk=webhook.pk).update(
        consecutive_failures=failures,
        next_attempt_at=timezone.now() + dt.timedelta(seconds=delay),
    )
    return RunResult(delivered=delivered, retry_in=delay)


def due_webhooks() -> list[int]:
    """Active webhooks whose cursor is behind the log and whose backoff has passed."""
    latest = latest_change()[0]
    now = timezone.now()
    return list(
        Webhook.objects.filter(active=True, cursor__lt=latest)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .values_list("id", flat=True)
    )
