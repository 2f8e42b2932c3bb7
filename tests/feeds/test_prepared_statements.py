"""The ingest hot path's statements are prepared once per connection
(DB_PREPARED_STATEMENTS, on by default): PostgreSQL stops planning them in every
transaction. The ORM's own statements bind on the client and are never prepared."""

from __future__ import annotations

import time

import pytest
from django.db import connection

from scoreboard.feeds.ingest import ingest_batch

from .conftest import new_match_event, simulated_messages

pytestmark = pytest.mark.django_db


def prepared_statements() -> list[str]:
    """What this connection's session has prepared (PostgreSQL's own view of it)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_the_ingest_statements_are_prepared_once_they_repeat() -> None:
    messages, _ = simulated_messages("football", seed=11, match_id="prep", clock=False)
    new_match_event("football", "prep")

    for message in messages[:12]:  # one message per transaction, as a quiet feed sends
        raw = dict(message, id=f"prep-{message['seq']}")
        ingest_batch(provider="sim", raw_messages=[raw], received_at=time.time())

    statements = prepared_statements()
    # The batch's read (events locked with their mapping) and its change-log insert.
    assert any("FOR UPDATE OF e" in sql for sql in statements), statements
    assert any('INSERT INTO "scoreboard_change"' in sql for sql in statements), statements
