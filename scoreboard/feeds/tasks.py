"""Celery tasks of feed ingestion, on their own `ingest` queue.

Safety (see docs/ARCHITECTURE.md, "Ingestion"): acks late and reject on worker lost,
so a batch whose worker dies is delivered again; that is safe because applying is
idempotent (message ids under a unique constraint, in the same transaction). Transient
errors (database or Redis unreachable) are retried a bounded number of times with
exponential backoff and full jitter; after the last retry the batch is dead-lettered
to the quarantine, where staff can retry it.
"""

from __future__ import annotations

import json
import logging
import random
import time
import zlib
from typing import Any

import httpx
import redis
from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, InterfaceError, OperationalError
from django.utils import timezone

from . import metrics
from .adapters import adapter_for_name
from .ingest import ingest_batch, quarantine
from .models import Provider

logger = logging.getLogger(__name__)

TRANSIENT = (
    OperationalError,
    InterfaceError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    SoftTimeLimitExceeded,
)
DEAD_LETTER_KEY = "scoreline:feeds:dead-letter"
POLL_BUDGET_SECONDS = 8.0  # well inside the soft time limit; the next poll goes on


def backoff_seconds(retries: int) -> float:
    """Exponential backoff with full jitter: uniform in [0, min(cap, base * 2**n)]."""
    return random.uniform(0, min(settings.FEED_RETRY_BACKOFF_MAX, 0.5 * 2**retries))


@shared_task(
    bind=True,
    name="scoreboard.feeds.tasks.ingest_batch",
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,  # bounded below by FEED_TASK_MAX_RETRIES, then dead-lettered
    time_limit=30,
    soft_time_limit=25,
)
def ingest_batch_task(self: Any, provider: str, messages: list[Any], received_at: float) -> dict:
    try:
        result = ingest_batch(provider=provider, raw_messages=messages, received_at=received_at)
    except TRANSIENT as exc:
        if self.request.retries >= settings.FEED_TASK_MAX_RETRIES:
            dead_letter(provider, messages, received_at, f"{type(exc).__name__}: {exc}")
            return {"dead_letter": len(messages)}
        logger.warning("ingest of %s failed (%s); retrying", provider, exc)
        raise self.retry(exc=exc, countdown=backoff_seconds(self.request.retries)) from exc
    return dict(result.outcomes)


def partition_of(raw: Any) -> int:
    """The ingest partition of a raw message: a stable hash of its match id.

    All messages of a match go to one queue, consumed by one worker process, so they
    are applied in arrival order and two workers never wait on each other's locks.
    """
    partitions = settings.FEED_INGEST_PARTITIONS
    match = raw.get("match") if isinstance(raw, dict) else None
    if partitions <= 1 or not isinstance(match, str):
        return 0
    return zlib.crc32(match.encode()) % partitions


def ingest_queue(partition: int) -> str:
    return "ingest" if settings.FEED_INGEST_PARTITIONS <= 1 else f"ingest.{partition}"


def enqueue(provider: str, messages: list[Any], received_at: float) -> None:
    """Hand a received batch to the ingest workers, split by partition."""
    parts: dict[int, list[Any]] = {}
    for raw in messages:
        parts.setdefault(partition_of(raw), []).append(raw)
    for partition, part in parts.items():
        ingest_batch_task.apply_async((provider, part, received_at), queue=ingest_queue(partition))


def dead_letter(provider: str, messages: list[Any], received_at: float, reason: str) -> None:
    """Give up on a batch without losing it: quarantine, else Redis, else the log."""
    metrics.DEAD_LETTERS.labels(provider).inc()
    reason = f"dead letter after {settings.FEED_TASK_MAX_RETRIES} retries: {reason}"
    try:
        for raw in messages:
            quarantine(provider=provider, raw=raw, reason=reason, received_at=received_at)
        return
    except DatabaseError:
        logger.exception("dead letter: database unavailable, trying Redis")
    payload = json.dumps({"provider": provider, "messages": messages, "reason": reason})
    try:
        from .redis_client import client

        client().rpush(DEAD_LETTER_KEY, payload)
    except redis.exceptions.RedisError:
        logger.critical("dead letter lost to storage, logged here: %s", payload)


_http: httpx.Client | None = None


def http_client() -> httpx.Client:
    """This process's HTTP client for pull feeds (connection reuse, one SSL context)."""
    global _http
    if _http is None:
        _http = httpx.Client(timeout=httpx.Timeout(settings.FEED_PULL_TIMEOUT_SECONDS))
    return _http


@shared_task(name="scoreboard.feeds.tasks.poll_feeds", ignore_result=True)
def poll_feeds() -> None:
    """Beat entry point: poll every enabled pull provider."""
    for name in (
        Provider.objects.filter(kind=Provider.Kind.PULL, enabled=True)
        .exclude(pull_url="")
        .values_list("name", flat=True)
    ):
        poll_provider.delay(name)


@shared_task(
    name="scoreboard.feeds.tasks.poll_provider",
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=30,
    soft_time_limit=25,
)
def poll_provider(name: str) -> dict:
    """Fetch what is new (conditional GET) and apply it; the cursor moves after commit.

    A failure leaves the cursor where it was, so the next poll fetches the same
    messages again: at-least-once, and repeats are no-ops.
    """
    lock = f"scoreline:feeds:poll:{name}"
    if not cache.add(lock, 1, timeout=30):  # one poll of a provider at a time
        return {"skipped": "poll in progress"}
    try:
        provider = Provider.objects.get(pk=name)
        adapter = adapter_for_name(name)
        outcomes: dict[str, int] = {}
        client = http_client()  # per process: a new client per poll costs ~5 ms (SSL)
        cursor, etag, modified = (
            provider.pull_cursor,
            provider.pull_etag,
            provider.pull_last_modified,
        )
        budget = time.monotonic() + POLL_BUDGET_SECONDS
        while time.monotonic() < budget:  # bounded catch-up per poll
            try:
                fetched = adapter.fetch(
                    url=provider.pull_url,
                    cursor=cursor,
                    etag=etag,
                    last_modified=modified,
                    client=client,
                )
            except (httpx.HTTPError, ValueError) as exc:
                logger.warning("poll of %s failed: %s", name, exc)
                metrics.MESSAGES.labels(name, "fetch_error").inc()
                break
            if fetched.not_modified or not fetched.messages:
                etag, modified = fetched.etag or etag, fetched.last_modified or modified
                break
            result = ingest_batch(
                provider=name, raw_messages=fetched.messages, received_at=time.time()
            )
            for key, value in result.outcomes.items():
                outcomes[key] = outcomes.get(key, 0) + value
            cursor, etag, modified = fetched.cursor, fetched.etag, fetched.last_modified
            Provider.objects.filter(pk=name).update(
                pull_cursor=cursor, pull_etag=etag, pull_last_modified=modified
            )
        Provider.objects.filter(pk=name).update(
            pull_etag=etag, pull_last_modified=modified, last_polled_at=timezone.now()
        )
        return outcomes
    finally:
        cache.delete(lock)


@shared_task(name="scoreboard.feeds.tasks.retry_quarantined")
def retry_quarantined(ids: list[int]) -> dict:
    from .quarantine import retry

    return retry(ids)
