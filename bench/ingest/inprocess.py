"""Django set up in the bench process itself, for the in-process ingest benchmarks."""

from __future__ import annotations

import os

from liveapp.database import ensure_database


def setup_django(*, database_url: str, redis_url: str) -> None:
    """Production-like settings (DEBUG off) on these services, the database created."""
    os.environ.update(
        {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "DEBUG": "0",
            "SECRET_KEY": "bench-only-not-secret-" + "x" * 40,
            "LOG_LEVEL": "WARNING",
        }
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liveapp.settings")
    ensure_database(database_url)
    import django

    django.setup()
