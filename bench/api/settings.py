"""Benchmark settings: the product's settings plus one bare baseline view in the URLconf."""

from liveapp.settings import *  # noqa: F403

ROOT_URLCONF = "bench.api.urls"

# Under ASGI each request's sync view runs in its own thread: persistent connections
# would pile up one per thread (PostgreSQL "too many clients"); close them per request.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
