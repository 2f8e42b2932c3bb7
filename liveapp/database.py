"""Create the PostgreSQL database a URL names: for the run command and the benchmarks."""

from __future__ import annotations

from urllib.parse import urlsplit


def ensure_database(database_url: str) -> None:
    """Create the PostgreSQL database named by `database_url` if it does not exist."""
    import psycopg

    if not database_url.startswith(("postgres://", "postgresql://")):
        return  # SQLite creates its file itself

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


if __name__ == "__main__":  # python -m liveapp.database (scripts/run.sh)
    import os

    ensure_database(os.environ.get("DATABASE_URL", ""))
