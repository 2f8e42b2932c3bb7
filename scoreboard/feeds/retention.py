"""Pruning the processed-message record: one row per provider message would grow forever.

A `ProcessedMessage` row makes a repeat of its message a no-op. After the retention
window, the event's feed state does that job: a repeat of a pruned message carries a
sequence at or below the one applied for its event, so it is dropped as stale
(`ingest._apply_events`). Rows are deleted by provider and receipt time, through the
index provider health already reads (`feeds_processed_recent`), in short chunks.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from .models import ProcessedMessage

CHUNK = 5000  # rows per DELETE: short locks, little WAL at a time


def providers_recorded() -> list[str]:
    """Every provider name in the table, one index probe each (a loose index scan)."""
    table = connection.ops.quote_name(ProcessedMessage._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH RECURSIVE names(name) AS (
                SELECT MIN(provider) FROM {table}
                UNION ALL
                SELECT (SELECT MIN(provider) FROM {table} WHERE provider > names.name)
                FROM names WHERE names.name IS NOT NULL
            )
            SELECT name FROM names WHERE name IS NOT NULL
            """
        )
        return [name for (name,) in cursor.fetchall()]


def prune_processed(*, now: datetime | None = None, budget_seconds: float = 20.0) -> int:
    """Delete the rows received before the retention window; returns how many went.

    Stops after `budget_seconds`: what is left goes at the next run.
    """
    cutoff = (now or timezone.now()) - timedelta(hours=settings.FEED_PROCESSED_RETENTION_HOURS)
    deadline = time.monotonic() + budget_seconds
    deleted = 0
    for provider in providers_recorded():
        old = ProcessedMessage.objects.filter(provider=provider, received_at__lt=cutoff)
        while time.monotonic() < deadline:
            ids = list(old.values_list("id", flat=True)[:CHUNK])
            if ids:  # nothing refers to these rows: one DELETE, no collecting
                deleted += ProcessedMessage.objects.filter(id__in=ids).delete()[0]
            if len(ids) < CHUNK:
                break
    return deleted
