"""Django's Redis cache backend, with one redis-py client per connection pool.

Django's `RedisCacheClient.get_client` builds a new `redis.Redis` for every cache call,
and redis-py rebuilds its table of ~165 response callbacks in each one
(redis/redis-py#3624; the fix, PR #4124, is not released): most of the CPU of a cache
call here. A `redis.Redis` keeps no state but its pool and is thread-safe, so one per
pool serves every call. Everything else is Django's.

This overrides `get_client` using Django's private `_get_connection_pool` and `_client`
(and `RedisCache._class`), so it is done with the Django version it was checked against
only (`TESTED_DJANGO`); with any other, Django's own client runs
(tests/foundation/test_library_guards.py says what to check).
"""

from __future__ import annotations

from typing import Any

import django
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

TESTED_DJANGO = "5.2.19"
RELIED_ON = ("_get_connection_pool", "_client", "_pools")
KEEPS_CLIENTS = django.get_version() == TESTED_DJANGO


class KeptClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}  # id of a pool (kept in _pools) -> its client

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        if not KEEPS_CLIENTS:
            return super().get_client(key, write=write)
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class KeptClientRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = KeptClientRedisCacheClient
