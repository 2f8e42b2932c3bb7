"""Automatic disable after persistent failure, with the delivery task run in-process.

Its own module on purpose: test_webhooks.py keeps a real Celery worker (with beat)
running for the whole module, and that worker would race this test for the same webhook
(the commit kick queues a relay at once) with its own settings (other backoff, other
failure limit). Under load the interleaving decided the outcome; here nothing else
delivers, so every attempt below is ours and the count is exact.
"""

from __future__ import annotations

import pytest

from scoreboard.partners import tasks
from scoreboard.partners.models import Webhook, WebhookDelivery
from tests.api.test_webhooks import Receiver, play, register


@pytest.mark.django_db(transaction=True)
def test_it_disables_a_webhook_after_persistent_failure(world, partner_client, settings) -> None:
    # No worker runs in this module: each run below is the only delivery in flight.
    settings.WEBHOOK_MAX_FAILURES = 3
    settings.WEBHOOK_RETRY_BASE_SECONDS = 0
    # A slow machine must not turn the receiver's 500 into a client timeout.
    settings.WEBHOOK_TIMEOUT_SECONDS = 60
    with Receiver(fail_first=1000) as receiver:
        hook_id = register(partner_client, receiver.url)
        play(world, goals=1)
        for _ in range(5):
            tasks.deliver_webhook.apply(args=[hook_id])
    webhook = Webhook.objects.get(pk=hook_id)
    assert webhook.active is False
    assert webhook.consecutive_failures == 3
    assert "3 consecutive failures" in webhook.disabled_reason
    assert len(receiver.requests) == 3  # runs 4 and 5 left the disabled webhook alone
    log = WebhookDelivery.objects.filter(webhook_id=hook_id).order_by("id")
    assert list(log.values_list("attempt", "ok")) == [(1, False), (2, False), (3, False)]
    enabled = partner_client.post(f"/api/v1/webhooks/{hook_id}/enable").json()
    assert enabled["active"] is True
