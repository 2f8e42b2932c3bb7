"""Feed ingestion state: providers, processed message ids, per-event cursors,
quarantine and staff overrides.

None of these are live models: the live world (events, incidents, the change log) is
still written only through `scoreboard.services`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Provider(models.Model):
    """An upstream provider. Secrets are never stored here: see FEED_PUSH_SECRETS."""

    class Kind(models.TextChoices):
        PUSH = "push", "Push (webhook)"
        PULL = "pull", "Pull (polled HTTP feed)"

    name = models.SlugField(max_length=40, primary_key=True)
    kind = models.CharField(max_length=4, choices=Kind.choices)
    enabled = models.BooleanField(default=True)
    # Pull providers: the feed URL and the conditional-request state of the last poll.
    pull_url = models.URLField(blank=True)
    pull_cursor = models.CharField(max_length=80, blank=True)
    pull_etag = models.CharField(max_length=200, blank=True)
    pull_last_modified = models.CharField(max_length=64, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CompetitionProvider(models.Model):
    """Which providers cover a competition, best first. Without rows, any provider applies."""

    competition = models.ForeignKey(
        "scoreboard.Competition", on_delete=models.CASCADE, related_name="feed_providers"
    )
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE)
    # Higher wins; a lower one fills in while every higher one is silent for the event.
    priority = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["competition", "-priority"]
        constraints = [
            models.UniqueConstraint(
                fields=["competition", "provider"], name="feeds_competition_provider_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.competition}: {self.provider} ({self.priority})"


class Outcome(models.TextChoices):
    APPLIED = "applied", "Applied"
    UNCHANGED = "unchanged", "Nothing to change"
    STALE = "stale", "Older than applied (dropped)"
    SUPERSEDED = "superseded", "A higher-priority provider is live"
    UNMAPPED = "unmapped", "Unknown event"
    REJECTED = "rejected", "Refused by the rules (quarantined)"


class ProcessedMessage(models.Model):
    """One provider message id, recorded in the same transaction as its effect.

    The unique constraint makes a repeat a no-op even across workers and redeliveries.
    """

    provider = models.CharField(max_length=40)
    message_id = models.CharField(max_length=100)
    event_id = models.BigIntegerField(null=True, blank=True)
    seq = models.BigIntegerField(default=0)
    upstream_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField()
    applied_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    changes = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "message_id"], name="feeds_processed_message_unique"
            ),
        ]
        indexes = [
            # Provider health: messages and lag of one provider over the last minute.
            models.Index(fields=["provider", "received_at"], name="feeds_processed_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.message_id} ({self.outcome})"


class FeedEventState(models.Model):
    """What the feeds have applied to one event: the ordering cursor and id maps.

    Locked (after the event row) by every ingest transaction that touches the event.
    """

    event = models.OneToOneField(
        "scoreboard.Event", on_delete=models.CASCADE, primary_key=True, related_name="feed_state"
    )
    # {"provider": {"seq": 41, "at": <epoch seconds of the last message received>}}
    providers = models.JSONField(default=dict)
    last_upstream_at = models.FloatField(default=0.0)  # epoch seconds of the newest applied
    last_message_at = models.DateTimeField(null=True, blank=True)
    # Provider incident id -> our Incident id (both providers share upstream ids).
    incidents = models.JSONField(default=dict)
    tennis_points = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            # "Feed delayed": live events whose last message is older than the threshold.
            models.Index(fields=["last_message_at"], name="feeds_state_last_message"),
        ]

    def __str__(self) -> str:
        return f"feed state of event {self.event_id}"


class QuarantinedMessage(models.Model):
    """Input we could not apply: kept raw with the reason, retried from the admin."""

    provider = models.CharField(max_length=40)
    raw = models.TextField()
    reason = models.CharField(max_length=300)
    received_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)
    retried_at = models.DateTimeField(null=True, blank=True)
    resolved = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # Admin list (newest first) and the health page's errors per minute.
            models.Index(fields=["provider", "created_at"], name="feeds_quarantine_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.created_at:%Y-%m-%d %H:%M:%S}: {self.reason[:60]}"


class LockField(models.TextChoices):
    SCORE = "score", "Score"
    STATUS = "status", "Status and period"
    CLOCK = "clock", "Clock"
    INCIDENTS = "incidents", "Incidents (non-scoring)"


class FieldLock(models.Model):
    """A staff override: the feed must not change this field of the event while it exists."""

    event = models.ForeignKey(
        "scoreboard.Event", on_delete=models.CASCADE, related_name="feed_locks"
    )
    field = models.CharField(max_length=10, choices=LockField.choices)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    reason = models.CharField(max_length=200, blank=True)
    locked_at = models.DateTimeField(default=timezone.now)
    # Feed messages that wanted to change the field while it was locked.
    skipped = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-locked_at"]
        constraints = [
            models.UniqueConstraint(fields=["event", "field"], name="feeds_field_lock_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id}: {self.get_field_display()} locked"
