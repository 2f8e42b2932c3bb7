"""Signal receivers: the 304 fast path's state and the webhook kick.

They hook into existing flows without touching the services: model signals of the
reference models and API keys, and the change log's `changes_logged` (sent once per
append, single or batched, inside the writer's transaction, so the kick is deferred to
commit). The reference version itself is raised by database triggers (migration 0002);
these receivers only tell the fast path's Redis copy, after commit.
"""

from __future__ import annotations

import logging
import secrets
import time
from functools import partial
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from scoreboard.models import Change, Competition, Sport, Team
from scoreboard.services.changelog import changes_logged

from . import fastpath
from .models import ApiKey

logger = logging.getLogger(__name__)

KICK_KEY = "partners:wh-kick"


HOLD = "_partners_reference_hold"  # instance attribute: the edit's fast-path hold token


def reference_editing(sender: type, instance: Any, **kwargs: Any) -> None:
    # Before the write: the fast path stops answering reference-dependent 304s until the
    # edit's commit is published (its Redis copy of the version would lag the database).
    if settings.EMBEDDED:
        return
    from .auth import _redis

    token = secrets.token_hex(8)
    try:
        fastpath.hold_reference(_redis(), token)
    except Exception:  # Redis down: the fast path is down too
        logger.warning("partners: could not hold the fast path for a reference edit")
    setattr(instance, HOLD, token)


def reference_edited(sender: type, instance: Any, **kwargs: Any) -> None:
    if settings.EMBEDDED:
        return
    # Runs at once outside a transaction (the write has committed already).
    transaction.on_commit(partial(_publish_reference, getattr(instance, HOLD, "")), robust=True)


def _publish_reference(token: str) -> None:
    from .auth import _redis
    from .selectors import versions

    current = versions()
    at = current.reference_at.timestamp() if current.reference_at else 0.0
    try:
        fastpath.release_reference(_redis(), token, current.reference, at)
    except Exception:  # the hold lapses after fastpath.PENDING_TTL_MS
        logger.warning("partners: could not publish reference version %s", current.reference)


for model in (Sport, Competition, Team):
    pre_save.connect(reference_editing, sender=model, dispatch_uid=f"refver-pre-save-{model}")
    pre_delete.connect(reference_editing, sender=model, dispatch_uid=f"refver-pre-del-{model}")
    post_save.connect(reference_edited, sender=model, dispatch_uid=f"refver-save-{model}")
    post_delete.connect(reference_edited, sender=model, dispatch_uid=f"refver-del-{model}")


@receiver(changes_logged, dispatch_uid="partners-webhook-kick")
def kick_webhook_relay(sender: type, changes: list[Change], **kwargs: Any) -> None:
    # Embedded mode runs tasks inline: never post webhooks inside a staff member's save.
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return
    transaction.on_commit(_kick, robust=True)


_last_kick = 0.0


def _kick() -> None:
    # At most one kick per second per deployment; the beat relay covers the rest. This
    # process's own last kick is checked first: no Redis round trip per ingest batch.
    global _last_kick
    now = time.monotonic()
    if now - _last_kick < 1.0:
        return
    _last_kick = now
    if cache.add(KICK_KEY, 1, 1):
        from .tasks import relay_webhooks

        relay_webhooks.delay()


@receiver(changes_logged, dispatch_uid="partners-latest-seq")
def raise_latest_seq(sender: type, changes: list[Change], **kwargs: Any) -> None:
    # Before commit on purpose: a value ahead of the visible log only sends a 304 down the
    # full path; a value behind it (raised after commit) could answer 304 over a change.
    if settings.EMBEDDED:
        return
    from .auth import _redis

    last = changes[-1]
    try:
        fastpath.raise_latest(_redis(), last.pk, last.created_at.timestamp())
    except Exception:  # Redis down: the fast path falls back; the key expires anyway
        logger.warning("partners: could not raise the latest sequence to %s", last.pk)


def key_changed(sender: type, instance: ApiKey, **kwargs: Any) -> None:
    fastpath.forget_keys()
    if settings.EMBEDDED:
        return
    # Now (the fast path stops trusting cached keys at once) and after commit (a full-path
    # read between the two could have cached the key as it was before this change).
    _bump_generation()
    transaction.on_commit(_bump_generation, robust=True)


def _bump_generation() -> None:
    from .auth import _redis

    try:
        fastpath.bump_key_generation(_redis())
    except Exception:  # cached keys then expire after API_KEY_CACHE_SECONDS
        logger.warning("partners: could not bump the API key generation")


post_save.connect(key_changed, sender=ApiKey, dispatch_uid="partners-key-save")
post_delete.connect(key_changed, sender=ApiKey, dispatch_uid="partners-key-delete")
