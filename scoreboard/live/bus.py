"""The backplane between the publisher and the hubs: one interface, two backends.

- distributed (REDIS_URL): a message is one Redis PUBLISH on `LIVE_CHANNEL`; every ASGI
  process's hub holds one subscription to it. The outbox publisher is woken on
  `<LIVE_CHANNEL>:outbox`.
- embedded (no Redis): the hub of this process registers itself (`serve_locally`) and a
  message is handed to it across threads. A process without a hub (e.g. `manage.py
  demo_feed`) has nobody to hand it to: the change stays unpublished and the web
  process's relay publishes it.

The publisher and the outbox publisher write to the bus, the hub reads from it; neither
side imports the other.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import Any

import redis
from django.conf import settings

from scoreboard.live import metrics

logger = logging.getLogger(__name__)

_client: redis.Redis | None = None
_client_lock = threading.Lock()
_local_delivery: Callable[[dict[str, Any]], bool] | None = None


def redis_client() -> redis.Redis:
    """The process-wide client (redis-py resets its pool after a fork). One object: a new
    `Redis` per call rebuilt its table of response callbacks each time."""
    global _client
    if _client is None:
        with _client_lock:
            if _client is None:
                _client = redis.Redis.from_url(
                    settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2
                )
    return _client


def wake_channel() -> str:
    return f"{settings.LIVE_CHANNEL}:outbox"


def serve_locally(deliver: Callable[[dict[str, Any]], bool] | None) -> None:
    """Embedded mode: the hub of this process takes the messages (None: it stopped)."""
    global _local_delivery
    _local_delivery = deliver


def publish(message: dict[str, Any]) -> bool:
    """Hand one message to the hubs; False if it must be left for a relay."""
    if settings.EMBEDDED:
        deliver = _local_delivery
        if deliver is None or not deliver(message):
            return False
        metrics.PUBLISHED.labels(path="embedded").inc()
        return True
    try:
        redis_client().publish(settings.LIVE_CHANNEL, json.dumps(message, separators=(",", ":")))
    except redis.RedisError:
        metrics.PUBLISH_ERRORS.inc()
        logger.warning("publish of change %s failed; the relay retries", message["seq"])
        return False
    metrics.PUBLISHED.labels(path="redis").inc()
    return True


def wake_outbox(change_ids: list[int], *, committed_at: float | None = None) -> None:
    """Hand a committed batch to the outbox publisher (best effort: the relay covers)."""
    try:
        message = {"ids": change_ids, "committed": committed_at}
        redis_client().publish(wake_channel(), json.dumps(message))
    except redis.RedisError:
        metrics.PUBLISH_ERRORS.inc()
        logger.warning("could not wake the outbox publisher; the relay publishes")
