"""API-key authentication, scope permission and per-key rate limiting for the partner API.

Header: `Authorization: Api-Key <token>`. The key row is looked up by the sha256 of the
token (unique index), so revocation applies to the very next request on this path. The
304 fast path (fastpath.py) serves conditional GETs from a cache this module fills.
"""

from __future__ import annotations

import math
import time
from datetime import timedelta
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from liveapp.clientip import ip_of_request
from liveapp.ip_limits import count_failed_auth

from .fastpath import COUNTED, parse_rate, remember_key
from .models import ApiKey
from .services import hash_token

KEYWORD = "Api-Key"
_TOUCH_EVERY = timedelta(minutes=1)


class PartnerPrincipal:
    """`request.user` for API-key requests: the key's partner, authenticated, not staff."""

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_superuser = False

    def __init__(self, key: ApiKey) -> None:
        self.key = key
        self.pk = f"key-{key.pk}"
        self.partner_id = key.partner_id

    def __str__(self) -> str:
        return f"partner {self.partner_id} key {self.key.prefix}"


def key_from_header(raw: bytes | str) -> ApiKey | None:
    """The active key named by an Authorization header value, or None.

    Raises AuthenticationFailed for a malformed header or an unknown/revoked key.
    """
    if isinstance(raw, str):
        raw = raw.encode()
    parts = raw.split()
    if not parts or parts[0].lower() != KEYWORD.lower().encode():
        return None
    if len(parts) != 2:
        raise exceptions.AuthenticationFailed(
            "malformed Authorization header: use 'Api-Key <token>'"
        )
    try:
        token = parts[1].decode("ascii")
    except UnicodeDecodeError:
        raise exceptions.AuthenticationFailed("invalid API key") from None
    key = (
        ApiKey.objects.filter(hashed_key=hash_token(token))
        .only(
            "id",
            "partner_id",
            "scopes",
            "rate",
            "revoked_at",
            "last_used_at",
            "prefix",
            "hashed_key",
        )
        .first()
    )
    if key is None:
        raise exceptions.AuthenticationFailed("invalid API key")
    if key.revoked_at is not None:
        raise exceptions.AuthenticationFailed("this API key has been revoked")
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > _TOUCH_EVERY:
        # At most one write per key per minute: enough for "last used" in admin.
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key


class ApiKeyAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[PartnerPrincipal, ApiKey] | None:
        try:
            key = key_from_header(get_authorization_header(request))
        except exceptions.AuthenticationFailed:
            # Guessing keys from one address: past the per-IP limit, answer 429.
            wait = count_failed_auth(ip_of_request(request._request))
            if wait is not None:
                raise exceptions.Throttled(wait, "too many failed authentications") from None
            raise
        if key is None:
            return None
        remember_key(request, key)  # for the 304 fast path
        return PartnerPrincipal(key), key

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (not 403) when credentials are missing or wrong.
        return f'{KEYWORD} realm="api"'


class HasScope(BasePermission):
    """The view's `required_scope` must be among the key's scopes."""

    def has_permission(self, request: Request, view: Any) -> bool:
        key = request.auth
        if not isinstance(key, ApiKey):
            raise exceptions.NotAuthenticated(
                "an API key is required: 'Authorization: Api-Key <token>'"
            )
        scope = getattr(view, "required_scope", "read")
        if not key.has_scope(scope):
            raise exceptions.PermissionDenied(f"this API key lacks the '{scope}' scope")
        return True


@lru_cache(maxsize=1)
def _redis() -> Any:
    import redis

    return redis.Redis.from_url(settings.REDIS_URL)


def hit(bucket: str, limit: int, window: int) -> float | None:
    """Count one request in a fixed window; the seconds to wait if over `limit`, else None.

    One Redis round trip (INCR + EXPIRE in a pipeline) per request; fixed windows allow a
    burst of up to 2x the limit across a window boundary, which partners are told.
    """
    now = time.time()
    start = int(now // window) * window
    name = f"partners:rate:{bucket}:{start}"
    if settings.REDIS_URL:
        pipe = _redis().pipeline(transaction=False)
        pipe.incr(name)
        pipe.expire(name, window + 1, nx=True)
        count = pipe.execute()[0]
    else:  # embedded mode: the local cache
        cache.add(name, 0, window + 1)
        count = cache.incr(name)
    if count > limit:
        return max(1.0, start + window - now)
    return None


class ApiKeyRateThrottle(BaseThrottle):
    """Per-key limit, from the key's own `rate` (set by staff per partner)."""

    def allow_request(self, request: Request, view: Any) -> bool:
        key = request.auth
        if not isinstance(key, ApiKey):
            return True
        counted = getattr(request._request, COUNTED, None)
        if counted is not None and counted[0] == key.pk:
            self._wait = counted[1]  # the fast path already counted this request
        else:
            limit, window = parse_rate(key.rate)
            self._wait = hit(f"key{key.pk}", limit, window)
        return self._wait is None

    def wait(self) -> float | None:
        return math.ceil(self._wait) if self._wait else None
