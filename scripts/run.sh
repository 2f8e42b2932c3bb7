#!/usr/bin/env bash
# The run command (`make run`): migrate, seed, then serve with a live demo feed.
# No REDIS_URL: embedded mode, one web process plus the demo feed, on SQLite.
# With REDIS_URL (and DATABASE_URL): ASGI server, Celery worker and beat, demo feed.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBUG="${DEBUG:-1}"
python -m liveapp.database  # a DATABASE_URL naming a database not created yet: create it
python manage.py migrate --no-input -v0
python manage.py seed_demo
if [[ -n "${REDIS_URL:-}" ]]; then
    export FEED_INGEST_PARTITIONS="${FEED_INGEST_PARTITIONS:-2}"  # Procfile: ingest0, ingest1
    exec honcho start -f Procfile
else
    exec honcho start -f Procfile.embedded
fi
