"""Writes of the partner app: API keys and webhooks (keyword-only, atomic)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from scoreboard.errors import InvalidChange

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
    """HTTPS to a public address (egress.py); plain HTTP only to loopback, when allowed."""
    try:
        egress.check_url(url)
    except egress.EgressRefused as exc:
        raise InvalidChange(str(exc)) from None
    return url


def validate_topics(topics: dict[str, Any]) -> dict[str, Any]:
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
        return {"all": True}
    return clean


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
        raise InvalidChange(f"a partner may register at most {cap} webhooks")
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
    webhook.active = True
    webhook.consecutive_failures = 0
    webhook.next_attempt_at = None
    webhook.disabled_reason = ""
    webhook.save(
        update_fields=["active", "consecutive_failures", "next_attempt_at", "disabled_reason"]
    )
    return webhook
