"""Celery tasks of the core app."""

from __future__ import annotations

from celery import shared_task

from scoreboard.live.relay import relay_pending


@shared_task(name="scoreboard.tasks.relay_unpublished", ignore_result=True)
def relay_unpublished() -> int:
    """Beat, every RELAY_INTERVAL_SECONDS: re-publish changes the fast path missed.

    Only changes older than ~1 s, so the on-commit publish normally wins; in id order;
    at-least-once (hubs and browsers drop versions they already have).
    """
    return relay_pending(min_age_seconds=1.0, relay="celery")
