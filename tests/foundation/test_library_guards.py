"""Private internals we rely on, per library (liveapp/compat/, liveapp/cache.py): each is
used only with the version it was checked against. These tests fail, saying what to
check, when an upgrade changes the installed version or what is relied on. (uvicorn's
guard is tests/foundation/test_transport_guard.py.)"""

from __future__ import annotations

import inspect
from importlib.metadata import version

import django
from celery_batches import Batches
from channels.consumer import AsyncConsumer
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

from liveapp import cache
from liveapp.compat import celery_batches, channels


def test_celery_batches_is_the_version_whose_timer_we_restart() -> None:
    installed = version("celery-batches")
    assert installed == celery_batches.TESTED_CELERY_BATCHES, (
        f"celery-batches {installed} is installed, checked against "
        f"{celery_batches.TESTED_CELERY_BATCHES}: check that Batches still keeps its timer in "
        "_tref and its requests in _pending and flushes in _do_flush "
        "(liveapp/compat/celery_batches.py), then update TESTED_CELERY_BATCHES"
    )
    source = inspect.getsource(Batches)
    missing = [name for name in celery_batches.RELIED_ON if name not in source]
    assert not missing, f"celery-batches' Batches no longer has {missing}"
    assert celery_batches.RESTARTS_TIMER


def test_channels_is_the_version_whose_dispatch_we_replace() -> None:
    installed = version("channels")
    assert installed == channels.TESTED_CHANNELS, (
        f"channels {installed} is installed, checked against {channels.TESTED_CHANNELS}: "
        "check AsyncConsumer.dispatch (it closes old database connections, then calls the "
        "handler named by get_handler_name) against liveapp/compat/channels.py, then update "
        "TESTED_CHANNELS"
    )
    source = inspect.getsource(AsyncConsumer.dispatch)
    assert "get_handler_name" in source and "aclose_old_connections" in source
    assert channels.SKIPPING


def test_django_is_the_version_whose_cache_client_we_keep() -> None:
    assert django.get_version() == cache.TESTED_DJANGO, (
        f"Django {django.get_version()} is installed, checked against {cache.TESTED_DJANGO}: "
        "check RedisCacheClient's _get_connection_pool, _client and _pools and "
        "RedisCache._class against liveapp/cache.py (or drop it if Django keeps one "
        "redis.Redis per pool itself), then update TESTED_DJANGO"
    )
    source = inspect.getsource(RedisCacheClient)
    missing = [name for name in cache.RELIED_ON if f"self.{name}" not in source]
    assert not missing, f"Django's RedisCacheClient no longer has {missing}"
    assert "self._class" in inspect.getsource(RedisCache)
    assert cache.KEEPS_CLIENTS
