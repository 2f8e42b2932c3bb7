"""Prometheus metrics of feed ingestion (one registry per process; the metrics
endpoint or a multiprocess collector exposes them)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

MESSAGES = Counter(
    "scoreline_feed_messages_total",
    "Provider messages by outcome (applied, duplicate, stale, superseded, malformed...)",
    ["provider", "outcome"],
)
QUARANTINED = Counter(
    "scoreline_feed_quarantined_total", "Messages put in quarantine", ["provider"]
)
OVERRIDE_SKIPS = Counter(
    "scoreline_feed_override_skips_total",
    "Feed updates skipped because staff locked the field",
    ["provider", "field"],
)
DEAD_LETTERS = Counter(
    "scoreline_feed_dead_letters_total", "Batches given up after the last retry", ["provider"]
)
RECEIVE_TO_COMMIT = Histogram(
    "scoreline_feed_receive_to_commit_seconds",
    "From receipt (webhook or poll) to the commit of the message's changes",
    ["provider"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
UPSTREAM_LAG = Histogram(
    "scoreline_feed_upstream_lag_seconds",
    "From the provider's own timestamp to our commit",
    ["provider"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
