"""The 304 fast path: conditional GETs answered before sessions, DRF and the database.

Partners revalidate often (`If-None-Match` every few seconds), and our performance target
asks a 304 to cost no more than a bare Django view. The full DRF path pays a pooled DB
connection, two queries, two Redis round trips and DRF dispatch; this middleware (first in
MIDDLEWARE, async only) answers the common case with ONE Redis round trip and no thread
hop under ASGI:

- the key: an in-process cache entry keyed by the token's sha256, filled by the full
  path's authentication (`remember_key`). Each entry carries the *key generation* read
  before the key's DB read; any ApiKey save/delete bumps the generation in Redis (before
  and after commit), so a revoked or re-scoped key falls back to the full path at once in
  every process. If Redis lost a bump, entries still expire after API_KEY_CACHE_SECONDS.
- the validators: the latest change sequence (`partners:seq`, "seq:epoch"), raised by a
  `Change` post_save receiver *before* commit (a value ahead of the committed log only
  makes a 304 fall back, never answers one wrongly), re-read from the log when missing;
  and the reference-data version (the cache key `conditional.reference_version` uses).
- the rate limit: the same fixed-window counter as the full path (INCR + EXPIRE NX).

The generation, counter and validators travel in one pipeline. Anything the fast path is
not sure about (unknown key, missing scope, stale generation, unparsed query, long-poll
wait, ETag mismatch) goes down the full path unchanged, which answers 200/400/401/403;
the request's rate-limit hit is handed over so it is not counted twice.

Covers `GET /api/v1/events`, `/changes`, `/sports`, `/competitions` with If-None-Match,
in distributed mode (Redis). Embedded mode always takes the full path.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
import weakref
from dataclasses import dataclass
from typing import Any

from asgiref.sync import markcoroutinefunction, sync_to_async
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse

from .conditional import (
    LIVE_CACHE_CONTROL,
    REFERENCE_CACHE_CONTROL,
    REFERENCE_VERSION_KEY,
    make_etag,
    matches,
    not_modified,
)

KEY_GENERATION = "partners:keygen"
LATEST_SEQ = "partners:seq"
LATEST_TTL_MS = 10_000  # bounds staleness if a writer could not reach Redis
KEYWORD = b"api-key"
# Attribute names set on the Django request for the full path.
COUNTED = "partners_rate_hit"  # (key id, wait or None): already counted here
GENERATION = "partners_key_generation"  # generation read before the key's DB read

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

# Raise the latest sequence, never lower it; a new value (re)starts the expiry.
_RAISE = """
local cur = redis.call('GET', KEYS[1])
if (not cur) or tonumber(string.match(cur, '^%d+')) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1] .. ':' .. ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0
"""


@dataclass(frozen=True, slots=True)
class CachedKey:
    id: int
    scopes: frozenset[str]
    limit: int
    window: int
    generation: bytes
    expires: float


_keys: dict[str, CachedKey] = {}


def token_hash(header: bytes) -> str | None:
    """sha256 of the token in an `Api-Key <token>` header, or None if malformed."""
    parts = header.split()
    if len(parts) != 2 or parts[0].lower() != KEYWORD:
        return None
    return hashlib.sha256(parts[1]).hexdigest()


def parse_rate(rate: str) -> tuple[int, int]:
    num, _, period = rate.partition("/")
    return int(num), _PERIODS[period[0]]


def rate_bucket(key_id: int, window: int, now: float) -> tuple[str, int]:
    start = int(now // window) * window
    return f"partners:rate:key{key_id}:{start}", start


def remember_key(request: Any, key: Any) -> None:
    """Full path, after a successful DB authentication: cache the key for the fast path.

    Only when the fast path read the generation before that DB read (so a revocation
    committed in between is seen as a newer generation).
    """
    django_request = getattr(request, "_request", request)
    generation = getattr(django_request, GENERATION, None)
    if generation is None or key.revoked_at is not None:
        return
    limit, window = parse_rate(key.rate)
    _keys[key.hashed_key] = CachedKey(
        key.pk,
        frozenset(key.scopes),
        limit,
        window,
        generation,
        time.monotonic() + settings.API_KEY_CACHE_SECONDS,
    )


def forget_keys() -> None:
    _keys.clear()


def raise_latest(client: Any, seq: int, at: float) -> None:
    """Raise `partners:seq` to (seq, at) unless it is already at or above seq."""
    client.eval(_RAISE, 1, LATEST_SEQ, seq, f"{at:.6f}", LATEST_TTL_MS)


def bump_key_generation(client: Any) -> None:
    client.incr(KEY_GENERATION)


# ---- the request side ---------------------------------------------------------------


@dataclass(slots=True)
class Plan:
    key: CachedKey
    hashed: str
    kind: str  # "ev" | "chg" | "ref"
    rate_name: str
    window_end: float
    after: int = 0
    wait: int = 0


_PATHS = {
    "/api/v1/events": "ev",
    "/api/v1/changes": "chg",
    "/api/v1/sports": "ref",
    "/api/v1/competitions": "ref",
}


def plan(request: HttpRequest) -> Plan | str | None:
    """What the fast path must look up; None = not ours; a str = only the generation
    (the key is not cached: read the generation for the full path, then fall back)."""
    if request.method != "GET" or settings.EMBEDDED:
        return None
    kind = _PATHS.get(request.path_info)
    if kind is None or "HTTP_IF_NONE_MATCH" not in request.META:
        return None
    hashed = token_hash(request.META.get("HTTP_AUTHORIZATION", "").encode("latin-1"))
    if hashed is None:
        return None
    key = _keys.get(hashed)
    if key is None or key.expires < time.monotonic() or "read" not in key.scopes:
        return hashed
    after = wait = 0
    if kind == "chg":
        try:
            after = int(request.GET.get("after", 0))
            wait = int(request.GET.get("wait", 0))
        except ValueError:
            return None
    now = time.time()
    name, start = rate_bucket(key.id, key.window, now)
    return Plan(key, hashed, kind, name, start + key.window, after, wait)


def commands(p: Plan, pipe: Any) -> None:
    pipe.get(KEY_GENERATION)
    pipe.incr(p.rate_name)
    pipe.expire(p.rate_name, p.key.window + 1, nx=True)
    pipe.get(LATEST_SEQ)
    pipe.get(_refver_key())


def admit(request: HttpRequest, p: Plan, generation: bytes | None, count: int) -> Any:
    """The key and the rate limit: a 429, None (full path) or True (go on)."""
    generation = generation or b"0"
    if generation != p.key.generation:
        _keys.pop(p.hashed, None)
        setattr(request, GENERATION, generation)
        return None
    wait = None
    if count > p.key.limit:
        wait = max(1.0, p.window_end - time.time())
    setattr(request, COUNTED, (p.key.id, wait))
    return throttled(wait) if wait is not None else True


def validate(request: HttpRequest, p: Plan, latest: bytes | None, refver: bytes | None) -> Any:
    """The validators: a 304, None (full path) or True (the latest sequence is missing:
    seed it from the log and validate again)."""
    if refver is None and p.kind != "chg":
        return None
    if p.kind == "ref":
        etag = make_etag(request, "ref", int(refver))
        return not_modified(etag, None, REFERENCE_CACHE_CONTROL) if matches(request, etag) else None
    if latest is None:
        return True
    raw_seq, _, raw_at = latest.partition(b":")
    seq = int(raw_seq)
    if p.kind == "chg":
        if p.wait and seq <= p.after:
            return None  # a long-poll: the full path waits for changes
        etag = make_etag(request, "chg", seq)
    else:
        etag = make_etag(request, "ev", seq, int(refver))
    if not matches(request, etag):
        return None
    changed_at = dt.datetime.fromtimestamp(float(raw_at), tz=dt.UTC)
    return not_modified(etag, changed_at, LIVE_CACHE_CONTROL)


def throttled(wait: float) -> JsonResponse:
    seconds = int(wait + 0.999)
    response = JsonResponse(
        {
            "error": "throttled",
            "detail": f"Request was throttled. Expected available in {seconds} seconds.",
            "retry_after": seconds,
        },
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response


def seed_latest() -> None:
    """`partners:seq` was missing: raise it to the log's latest visible change."""
    from .auth import _redis
    from .selectors import latest_change

    seq, at = latest_change()
    raise_latest(_redis(), seq, at.timestamp() if at else 0.0)


def _refver_key() -> str:
    return cache.make_key(REFERENCE_VERSION_KEY)


# ---- the middleware -----------------------------------------------------------------

_async_clients: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def _async_redis() -> Any:
    import asyncio

    import redis.asyncio as aioredis

    loop = asyncio.get_running_loop()
    client = _async_clients.get(loop)
    if client is None:
        client = aioredis.Redis.from_url(settings.REDIS_URL)
        _async_clients[loop] = client
    return client


class ConditionalFastPath:
    # Async only and first in MIDDLEWARE: a 304 is answered in the event loop, before the
    # one thread hop into the sync chain below (liveapp/middleware.py).
    sync_capable = False
    async_capable = True

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response
        markcoroutinefunction(self)

    async def __call__(self, request: HttpRequest) -> Any:
        p = plan(request)
        if p is not None and settings.SECURE_SSL_REDIRECT and not request.is_secure():
            p = None  # SecurityMiddleware, below, redirects it to HTTPS
        if p is not None:
            client = _async_redis()
            if isinstance(p, str):
                setattr(request, GENERATION, await client.get(KEY_GENERATION) or b"0")
            else:
                pipe = client.pipeline(transaction=False)
                commands(p, pipe)
                generation, count, _, latest, refver = await pipe.execute()
                answer = admit(request, p, generation, count)
                if answer is True:
                    answer = validate(request, p, latest, refver)
                if answer is True:
                    # Rare (expiry, flush): one log read, then one more round trip.
                    await sync_to_async(seed_latest, thread_sensitive=False)()
                    answer = validate(request, p, *await client.mget(LATEST_SEQ, _refver_key()))
                if isinstance(answer, HttpResponse):
                    return answer
        return await self.get_response(request)
