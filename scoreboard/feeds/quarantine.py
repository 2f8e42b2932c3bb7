"""Retrying quarantined messages (the admin's "retry" action)."""

from __future__ import annotations

import json
import time
from typing import Any

from django.utils import timezone

from .ingest import ingest_batch
from .messages import MalformedMessage, parse_message
from .models import Outcome, ProcessedMessage, QuarantinedMessage


def retry(ids: list[int]) -> dict[str, int]:
    """Feed each quarantined message through ingestion again.

    Still unreadable: it stays, with the new reason. Otherwise it is marked resolved;
    if the rules refuse it again, ingestion quarantines it anew with the fresh reason.
    """
    counts = {"retried": 0, "still_malformed": 0}
    for item in QuarantinedMessage.objects.filter(pk__in=ids, resolved=False):
        messages = _messages(item.raw)
        now = timezone.now()
        try:
            parsed = [parse_message(raw) for raw in messages]
        except MalformedMessage as exc:
            QuarantinedMessage.objects.filter(pk=item.pk).update(
                retried_at=now, reason=f"malformed: {exc}"[:300]
            )
            counts["still_malformed"] += 1
            continue
        # A message the rules refused was recorded as processed: let it through again.
        ProcessedMessage.objects.filter(
            provider=item.provider,
            message_id__in=[m.message_id for m in parsed],
            outcome=Outcome.REJECTED,
        ).delete()
        ingest_batch(provider=item.provider, raw_messages=messages, received_at=time.time())
        QuarantinedMessage.objects.filter(pk=item.pk).update(retried_at=now, resolved=True)
        counts["retried"] += 1
    return counts


def _messages(raw: str) -> list[Any]:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        return [raw]
    if isinstance(data, dict) and isinstance(data.get("messages"), list):
        return data["messages"]
    return [data]
