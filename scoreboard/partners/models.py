"""Partner API models: partners, their API keys, webhooks and the webhook delivery log.

Keys are stored hashed (sha256 of the token); only the prefix stays readable so staff
and partners can tell keys apart. Webhooks carry their own delivery cursor: the highest
change sequence delivered, so deliveries go out in sequence order per webhook.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Scope(models.TextChoices):
    READ = "read", "Read (REST endpoints and changes feed)"
    STREAM = "stream", "Stream (live server-sent events)"
    WEBHOOKS = "webhooks", "Webhooks (register and manage webhooks)"


class Partner(models.Model):
    """A customer organisation: its keys and webhooks belong to it."""

    name = models.CharField(max_length=120, unique=True)
    contact_email = models.EmailField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ApiKey(models.Model):
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=80, help_text="What this key is for, e.g. 'production'.")
    # First characters of the token, shown to tell keys apart; never enough to use it.
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    # sha256 hex of the full token: the token itself is shown once and never stored.
    hashed_key = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField(default=list, help_text="Subset of read, stream, webhooks.")
    # DRF rate syntax: "<requests>/<sec|min|hour|day>".
    rate = models.CharField(max_length=20, default="600/min")
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["partner__name", "name"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.partner} / {self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class Webhook(models.Model):
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=128, help_text="Shared secret for HMAC-SHA256 signatures.")
    # {"all": true} or any of {"sports": [ids], "competitions": [ids], "events": [ids]}.
    topics = models.JSONField(default=dict)
    active = models.BooleanField(default=True)
    # Highest change sequence delivered (acknowledged with a 2xx); the next is > cursor.
    cursor = models.BigIntegerField(default=0)
    consecutive_failures = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["partner__name", "id"]
        indexes = [
            # Relay: active webhooks to check for pending changes.
            models.Index(fields=["active", "cursor"], name="webhook_active_cursor"),
        ]

    def __str__(self) -> str:
        return f"{self.partner}: {self.url}"


class WebhookDelivery(models.Model):
    """One delivery attempt of one change to one webhook (the log staff read in admin)."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    sequence = models.BigIntegerField()
    attempt = models.PositiveIntegerField(default=1)
    ok = models.BooleanField(default=False)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "webhook deliveries"
        indexes = [
            # Admin and API: one webhook's recent deliveries.
            models.Index(fields=["webhook", "-id"], name="delivery_webhook_recent"),
        ]

    def __str__(self) -> str:
        outcome = "ok" if self.ok else f"failed ({self.status_code or self.error})"
        return f"#{self.sequence} → webhook {self.webhook_id}: {outcome}"


class ReferenceVersion(models.Model):
    """The version of reference data (sports, competitions, teams): one row, id 1.

    Raised by database triggers (migration 0002) on every insert, update or delete of
    those tables, inside the writing statement's transaction: the new version becomes
    visible at the very commit that makes the edit visible, never before or after it. It
    is part of the ETag of every response that shows reference data (names in events).
    """

    version = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"reference data v{self.version}"
