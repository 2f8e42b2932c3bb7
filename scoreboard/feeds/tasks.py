"""Celery tasks of feed ingestion, on their own `ingest` queue.

Safety (see docs/ARCHITECTURE.md, "Ingestion"): pushed batches are acknowledged only
after they are applied (acks late; celery-batches acknowledges a whole flush when it
returns), so a batch whose worker dies is delivered again; that is safe because
applying is idempotent (message ids under a unique constraint, in the same
transaction). Transient errors (database or Redis unreachable) are retried a bounded
number of times with exponential backoff and full jitter; after the last retry the
batch is dead-lettered to the quarantine, where staff can retry it.
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
from celery_batches import Batches, SimpleRequest
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, InterfaceError, OperationalError
from django.utils import timezone

from . import metrics
from .adapters import PULL_PAGE, adapter_for_name
from .ingest import ingest_batch, ingest_batches, quarantine
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


class IngestBatches(Batches):
    """celery-batches, with the flush interval counted from the first request waiting.

    Batches re-arms its timer from the start of the last flush: once a flush takes
    longer than the interval, the timer is always due and every flush takes the one
    request read since (the consumer reads one message per loop turn). Stopping the
    timer after each flush lets the next request start it again, so the worker reads
    what queued up during a flush for one interval, then applies it all together.
    """

    def _do_flush(self) -> None:
        super()._do_flush()
        if self._tref is not None and self._pending.qsize() == 0:
            self._tref.cancel()
            self._tref = None


@shared_task(
    base=IngestBatches,
    name="scoreboard.feeds.tasks.ingest_batch",
    acks_late=True,  # acknowledged once the whole flush has returned
    flush_every=settings.FEED_INGEST_FLUSH_EVERY,
    flush_interval=settings.FEED_INGEST_FLUSH_INTERVAL_MS / 1000,
)
def ingest_batch_task(requests: list[SimpleRequest]) -> None:
    """Apply every pushed batch waiting in this worker's queue, in one go.

    celery-batches hands over the batches that arrived within a flush interval (or
    `flush_every` of them): a burst of small pushes costs one transaction, not one each.
    Each request is called as before: `ingest_batch_task.apply_async((provider,
    messages, received_at))`. A request that fails with a transient error is sent again
    with a backoff, up to FEED_TASK_MAX_RETRIES, then dead-lettered; nothing is lost
    (a batch task's exception would otherwise be logged and its requests acknowledged).
    """
    by_provider: dict[str, list[SimpleRequest]] = {}
    for request in requests:
        by_provider.setdefault(request.args[0], []).append(request)
    for provider, group in by_provider.items():
        try:
            ingest_batches(provider=provider, batches=[tuple(r.args[1:3]) for r in group])
        except TRANSIENT as exc:
            for request in group:
                _retry_or_dead_letter(request, f"{type(exc).__name__}: {exc}")
        except Exception:  # a bug outside any one message (ingest isolates those)
            logger.exception("ingest of %s failed; trying its batches one by one", provider)
            for request in group:
                _apply_alone(request)


def _apply_alone(request: SimpleRequest) -> None:
    """One request of a failed flush on its own: only a batch that fails alone is lost
    to the quarantine, the others of the flush still apply."""
    provider, messages, received_at = request.args[:3]
    try:
        ingest_batches(provider=provider, batches=[(messages, received_at)])
    except TRANSIENT as exc:
        _retry_or_dead_letter(request, f"{type(exc).__name__}: {exc}")
    except Exception as exc:
        logger.exception("ingest of a %s batch failed", provider)
        dead_letter(provider, messages, received_at, f"{type(exc).__name__}: {exc}", retried=False)


def _retry_or_dead_letter(request: SimpleRequest, reason: str) -> None:
    provider, messages, received_at = request.args[:3]
    retries = (request.request_dict or {}).get("retries") or 0
    if retries >= settings.FEED_TASK_MAX_RETRIES:
        dead_letter(provider, messages, received_at, reason)
        return
    logger.warning("ingest of %s failed (%s); retrying", provider, reason)
    ingest_batch_task.apply_async(
        request.args,
        countdown=backoff_seconds(retries),
        retries=retries + 1,
        queue=(request.delivery_info or {}).get("routing_key") or ingest_queue(0),
        argsrepr=_argsrepr(provider, messages, received_at),
    )


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
        ingest_batch_task.apply_async(
            (provider, part, received_at),
            queue=ingest_queue(partition),
            argsrepr=_argsrepr(provider, part, received_at),
        )


def _argsrepr(provider: str, messages: list[Any], received_at: float) -> str:
    # What logs and monitors show of a batch task. Left to Celery, it is a `saferepr` of
    # the messages themselves: ~a fifth of the webhook's CPU per push, for a log line.
    return f"({provider!r}, <{len(messages)} messages>, {received_at!r})"


def dead_letter(
    provider: str, messages: list[Any], received_at: float, reason: str, retried: bool = True
) -> None:
    """Give up on a batch without losing it: quarantine, else Redis, else the log."""
    metrics.DEAD_LETTERS.labels(provider).inc()
    if retried:
        reason = f"dead letter after {settings.FEED_TASK_MAX_RETRIES} retries: {reason}"
    else:
        reason = f"dead letter: {reason}"
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
                if (etag, modified) == (provider.pull_etag, provider.pull_last_modified) and (
                    _stamped_recently(provider)
                ):
                    return outcomes  # nothing new: no write (20 idle polls cost one)
                break
            result = ingest_batch(
                provider=name, raw_messages=fetched.messages, received_at=time.time()
            )
            for key, value in result.outcomes.items():
                outcomes[key] = outcomes.get(key, 0) + value
            cursor, etag, modified = fetched.cursor, fetched.etag, fetched.last_modified
            Provider.objects.filter(pk=name).update(
                pull_cursor=cursor,
                pull_etag=etag,
                pull_last_modified=modified,
                last_polled_at=timezone.now(),
            )
            if len(fetched.messages) < PULL_PAGE:
                return outcomes  # a short page: nothing more for now, and all recorded
        Provider.objects.filter(pk=name).update(
            pull_etag=etag, pull_last_modified=modified, last_polled_at=timezone.now()
        )
        return outcomes
    finally:
        cache.delete(lock)


def _stamped_recently(provider: Provider) -> bool:
    """Whether `last_polled_at` is fresh enough to leave alone after an idle poll."""
    stamped = provider.last_polled_at
    return stamped is not None and (
        (timezone.now() - stamped).total_seconds() < settings.FEED_POLL_STAMP_SECONDS
    )


@shared_task(name="scoreboard.feeds.tasks.retry_quarantined")
def retry_quarantined(ids: list[int]) -> dict:
    from .quarantine import retry

    return retry(ids)


@shared_task(name="scoreboard.feeds.tasks.prune_processed_messages", soft_time_limit=60)
def prune_processed_messages() -> int:
    """Beat, hourly: forget processed-message ids older than the retention window."""
    from .retention import prune_processed

    deleted = prune_processed()
    logger.info("pruned %d processed-message rows", deleted)
    return deleted
