"""Settings for the textbook alternative: the project's, with the channel layer chosen by
BENCH_LAYER (`core` = channels_redis RedisChannelLayer, `pubsub` = RedisPubSubChannelLayer).
Bench-only: read by `bench/live/alt_asgi.py` and `driver.py group`."""

from __future__ import annotations

import os

from liveapp.settings import *  # noqa: F403
from liveapp.settings import REDIS_URL

_BACKENDS = {
    "core": "channels_redis.core.RedisChannelLayer",
    "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
}
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": _BACKENDS[os.environ.get("BENCH_LAYER", "core")],
        "CONFIG": {"hosts": [REDIS_URL], "prefix": "benchalt"},
    }
}
