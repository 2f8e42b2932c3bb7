"""The Redis cache backend: Django's, with one redis-py client per pool (liveapp/cache.py)."""

from __future__ import annotations

from django.core.cache import cache

from liveapp.cache import KeptClientRedisCacheClient


def test_it_caches_through_one_redis_client() -> None:
    backend = cache._cache
    assert isinstance(backend, KeptClientRedisCacheClient)  # distributed settings (tests)
    cache.delete("kept-client-test")
    assert cache.add("kept-client-test", 1, 30)
    assert not cache.add("kept-client-test", 2, 30)
    assert cache.incr("kept-client-test") == 2
    assert cache.get("kept-client-test") == 2
    cache.delete("kept-client-test")
    assert cache.get("kept-client-test") is None
    # The point of the backend: no new redis.Redis (and its callback table) per call.
    assert backend.get_client(write=True) is backend.get_client(write=True)
