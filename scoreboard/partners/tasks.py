"""Celery tasks: the webhook relay (beat, and a kick after each commit) and delivery."""

from __future__ import annotations

import secrets
import time

from celery import shared_task
from django.conf import settings
from django.core.cache import cache

from . import webhooks

LOCK_TTL = 120  # seconds; longer than a batch of timed-out posts would take
BATCH = 50


def _lock_key(webhook_id: int) -> str:
    return f"partners:wh-lock:{webhook_id}"


def _queued_key(webhook_id: int) -> str:
    return f"partners:wh-queued:{webhook_id}"


@shared_task(name="partners.relay_webhooks", ignore_result=True)
def relay_webhooks() -> int:
    """Queue one delivery run per webhook with pending changes (at most one queued each)."""
    queued = 0
    for webhook_id in webhooks.due_webhooks():
        if cache.add(_queued_key(webhook_id), 1, 30):
            deliver_webhook.delay(webhook_id)
            queued += 1
    return queued


@shared_task(name="partners.deliver_webhook", bind=True, ignore_result=True, max_retries=None)
def deliver_webhook(self, webhook_id: int) -> int:
    """One run for one webhook: in order, one at a time, retried with backoff on failure."""
    cache.delete(_queued_key(webhook_id))
    token = secrets.token_hex(8)
    if not cache.add(_lock_key(webhook_id), token, LOCK_TTL):
        return 0  # another run holds this webhook; order needs exactly one at a time
    try:
        # Sized to end before the soft time limit, between two deliveries (settings).
        deadline = time.monotonic() + settings.WEBHOOK_RUN_SECONDS
        result = webhooks.deliver_pending(webhook_id, batch=BATCH, deadline=deadline)
    finally:
        if cache.get(_lock_key(webhook_id)) == token:
            cache.delete(_lock_key(webhook_id))
    if result.retry_in is not None and not self.request.is_eager:
        # Backoff: the webhook's next_attempt_at gates any earlier run the relay queues.
        raise self.retry(countdown=result.retry_in)
    if result.more:
        deliver_webhook.delay(webhook_id)
    return result.delivered
