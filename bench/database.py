"""Set-up shared by the benchmarks: each runs in a database of its own."""

from __future__ import annotations

from urllib.parse import urlsplit


def ensure_database(database_url: str) -> None:
    """Create the PostgreSQL database named by `database_url` if it does not exist."""
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
