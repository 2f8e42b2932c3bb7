"""A partner API under test, for `make test-api-fuzz` and `make test-etags`.

Its own PostgreSQL database (DATABASE_URL's name plus a suffix, created, migrated and
seeded with the demo data), a partner key made by `manage.py create_api_key`, and one
real uvicorn process in distributed mode (Redis: the 304 fast path is on), on loopback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def database_url(suffix: str) -> str:
    """DATABASE_URL with `_<suffix>` appended to its database name."""
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        sys.exit("DATABASE_URL must name a PostgreSQL database (the API runs there)")
    parts = urlsplit(base)
    return parts._replace(path=f"{parts.path.rstrip('/')}_{suffix}").geturl()


def prepare(suffix: str, *, scopes: str = "read webhooks") -> tuple[str, str]:
    """Create, migrate and seed the database; (its URL, a new key's token)."""
    url = database_url(suffix)
    env = dict(os.environ, DATABASE_URL=url, DEBUG=os.environ.get("DEBUG", "1"))
    manage = [sys.executable, "manage.py"]
    recreate(url)
    subprocess.run([*manage, "migrate", "--no-input", "-v0"], cwd=REPO, env=env, check=True)
    subprocess.run([*manage, "seed_demo", "--no-admin"], cwd=REPO, env=env, check=True)
    token = subprocess.run(
        [*manage, "create_api_key", "--partner", f"{suffix} run", "--rate", "100000/min",
         "--scopes", *scopes.split()],
        cwd=REPO, env=env, check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    return url, token


def recreate(url: str) -> None:
    """Drop the database if a run left it, then create it: every run starts alike."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def server(url: str, **env: str):  # -> tests.support.asgi_server.AsgiServer
    from tests.support.asgi_server import AsgiServer

    return AsgiServer(database_url=url, redis_url=os.environ.get("REDIS_URL"), env=env)
