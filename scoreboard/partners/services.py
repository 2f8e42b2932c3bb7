"""Writes of the partner app: API keys and webhooks (keyword-only, atomic)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from scoreboard.errors import DomainError, InvalidChange

from . import egress
from .models import ApiKey, Partner, Scope, Webhook

TOKEN_PREFIX = "slk"
_RATE_UNITS = {"s", "sec", "second", "m", "min", "minute", "h", "hour", "d", "day"}


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def validate_rate(rate: str) -> str:
    num, _, period = rate.partition("/")
    if not num.isdigit() or int(num) < 1 or period not in _RATE_UNITS:
        raise InvalidChange("rate must look like 600/min (units: sec, min, hour, day)")
    return rate


def validate_scopes(scopes: list[str]) -> list[str]:
    unknown = set(scopes) - set(Scope.values)
    if unknown:
        raise InvalidChange(f"unknown scopes: {', '.join(sorted(unknown))}")
    return [s for s in Scope.values if s in scopes]


@dataclass(frozen=True)
class NewKey:
    key: ApiKey
    token: str  # shown once, never stored


@transaction.atomic
def create_api_key(
    *, partner: Partner, name: str, scopes: list[str], rate: str = "600/min"
) -> NewKey:
    """A new key; the returned token is the only time anyone sees it."""
    prefix = secrets.token_hex(4)
    token = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(
        partner=partner,
        name=name,
        prefix=f"{TOKEN_PREFIX}_{prefix}",
        hashed_key=hash_token(token),
        scopes=validate_scopes(scopes),
        rate=validate_rate(rate),
    )
    return NewKey(key=key, token=token)


def revoke_api_key(*, key: ApiKey) -> ApiKey:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    return key


def validate_webhook_url(url: str) -> str:
    """An absolute http(s) URI (ASCII, no spaces or controls), to a public address over
    HTTPS (egress.py); plain HTTP only to loopback, when allowed."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError for a port out of range)
    except ValueError:
        raise InvalidChange("the URL must be an absolute http(s) URL") from None
    printable = all("!" <= c <= "~" for c in url)
    if parts.scheme not in ("http", "https") or not parts.hostname or not printable:
        raise InvalidChange("the URL must be an absolute http(s) URL")
    try:
        egress.check_url(url)
    except egress.EgressRefused as exc:
        raise InvalidChange(str(exc)) from None
    return url


def validate_topics(topics: dict[str, Any]) -> dict[str, Any]:
    """Omitted (or `{}`) and `{"all": true}` mean every change; otherwise the ids given
    must select something (`{"all": false}` alone selects nothing: an error)."""
    if not topics or topics.get("all"):
        return {"all": True}
    clean: dict[str, Any] = {}
    for name in ("sports", "competitions", "events"):
        ids = topics.get(name) or []
        if not isinstance(ids, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) and i > 0 for i in ids
        ):
            raise InvalidChange(f"topics.{name} must be a list of positive ids")
        if ids:
            clean[name] = sorted(set(ids))
    if not clean:
        raise InvalidChange(
            'topics select nothing: give sports, competitions or events ids, or {"all": true}'
        )
    return clean


class WebhookLimitReached(DomainError):
    """The partner has as many webhooks as it may (WEBHOOK_MAX_PER_PARTNER)."""


@transaction.atomic
def create_webhook(
    *, partner: Partner, url: str, secret: str, topics: dict[str, Any], start_after: int
) -> Webhook:
    """Register a webhook; it receives changes after `start_after` (usually the latest)."""
    if len(secret) < 16:
        raise InvalidChange("the secret must be at least 16 characters")
    cap = settings.WEBHOOK_MAX_PER_PARTNER
    # Locked: two concurrent registrations cannot both slip under the cap.
    Partner.objects.select_for_update().filter(pk=partner.pk).first()
    if Webhook.objects.filter(partner=partner).count() >= cap:
        raise WebhookLimitReached(f"a partner may register at most {cap} webhooks")
    return Webhook.objects.create(
        partner=partner,
        url=validate_webhook_url(url),
        secret=secret,
        topics=validate_topics(topics),
        cursor=max(0, start_after),
    )


def delete_webhook(*, webhook: Webhook) -> None:
    webhook.delete()


def enable_webhook(*, webhook: Webhook) -> Webhook:
    """Re-enable; raises Webhook.DoesNotExist if it was deleted meanwhile."""
    fields = {"active": True, "consecutive_failures": 0, "next_attempt_at": None}
    # One UPDATE by id: a concurrent DELETE makes it match nothing (no half-saved row).
    if not Webhook.objects.filter(pk=webhook.pk).update(**fields, disabled_reason=""):
        raise Webhook.DoesNotExist(f"webhook {webhook.pk} no longer exists")
    for name, value in fields.items():
        setattr(webhook, name, value)
    webhook.disabled_reason = ""
    return webhook
