"""Benchmark settings: the product's settings plus the bare baseline views in the URLconf.

No database override: the product's PostgreSQL pool (conn_max_age=0, OPTIONS["pool"])
already returns connections per request under ASGI; the bench measures it as shipped.
"""

from liveapp.settings import *  # noqa: F403

ROOT_URLCONF = "bench.api.urls"
