"""The relay: re-publish changes committed but never confirmed published.

A crash (or a Redis blip) between commit and publish leaves `published_at` NULL; the
Celery beat task `scoreboard.tasks.relay_unpublished` (distributed) or the hub's relay
loop (embedded) calls `relay_pending`. Publishing is at-least-once: hubs and clients
drop versions they already have.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from scoreboard.live import metrics
from scoreboard.live.publisher import publish_pending
from scoreboard.models import Change

BATCH = 500


def relay_pending(*, min_age_seconds: float = 1.0, relay: str = "celery") -> int:
    """Publish unpublished changes older than `min_age_seconds`, in id order.

    The age gives the fast path (on_commit) time to publish first. Returns how many
    were published.
    """
    cutoff = timezone.now() - dt.timedelta(seconds=min_age_seconds)
    # Served by the partial index `change_unpublished` (id WHERE published_at IS NULL).
    ids = list(
        Change.objects.filter(published_at__isnull=True, created_at__lte=cutoff)
        .order_by("id")
        .values_list("id", flat=True)[:BATCH]
    )
    published = publish_pending(ids) if ids else 0  # coalesced per event
    if published:
        metrics.RELAYED.labels(relay=relay).inc(published)
    return published


def forget_backlog(*, before: dt.datetime) -> int:
    """Embedded hub start: mark changes older than the hub as published, unsent.

    No socket of this process existed to receive them, and a page opened later renders
    (or replays from the change log) the current state, so sending them would be noise.
    Changes from `before` on are the relay's: they may be the first socket's news.
    """
    return Change.objects.filter(published_at__isnull=True, created_at__lt=before).update(
        published_at=timezone.now()
    )
