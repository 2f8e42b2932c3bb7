"""One Redis client per process for the feeds (latency log, dead letters)."""

from __future__ import annotations

from functools import cache

import redis
from django.conf import settings


@cache
def client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL or "redis://127.0.0.1:6379/0")
