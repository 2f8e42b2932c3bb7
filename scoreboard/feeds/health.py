"""Provider health (admin) and the "feed delayed" marker the pages show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Avg, Count, F, Max, Q
from django.utils import timezone

from scoreboard.models import Status

from .models import Outcome, ProcessedMessage, QuarantinedMessage

LAGGING_AFTER_SECONDS = 5.0


@dataclass(frozen=True)
class ProviderHealth:
    name: str
    last_message_at: datetime | None
    lag_seconds: float | None  # upstream timestamp to commit, averaged over the last minute
    messages_per_minute: int
    errors_per_minute: int
    state: str  # healthy / lagging / silent


def provider_health(name: str, now: datetime | None = None) -> ProviderHealth:
    now = now or timezone.now()
    minute_ago = now - timedelta(minutes=1)
    recent = ProcessedMessage.objects.filter(provider=name, received_at__gte=minute_ago)
    stats = recent.aggregate(
        count=Count("id"),
        lag=Avg(F("applied_at") - F("upstream_at"), filter=Q(outcome=Outcome.APPLIED)),
    )
    last = ProcessedMessage.objects.filter(provider=name).aggregate(last=Max("received_at"))["last"]
    errors = QuarantinedMessage.objects.filter(provider=name, created_at__gte=minute_ago).count()
    lag = stats["lag"].total_seconds() if stats["lag"] is not None else None
    if last is None or (now - last).total_seconds() > settings.FEED_SILENT_AFTER_SECONDS:
        state = "silent"
    elif lag is not None and lag > LAGGING_AFTER_SECONDS:
        state = "lagging"
    else:
        state = "healthy"
    return ProviderHealth(name, last, lag, stats["count"], errors, state)


def feed_delayed_event_ids() -> set[int]:
    """Live events fed by a provider that has gone silent for them.

    One indexed query; events no feed has ever touched are not "delayed".
    """
    from .models import FeedEventState

    cutoff = timezone.now() - timedelta(seconds=settings.FEED_SILENT_AFTER_SECONDS)
    return set(
        FeedEventState.objects.filter(
            last_message_at__lt=cutoff, event__status__in=(Status.LIVE, Status.BREAK)
        ).values_list("event_id", flat=True)
    )
