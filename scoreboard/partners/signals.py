"""Signal receivers: reference-data ETags, the 304 fast path's state, the webhook kick.

Both hook into existing flows without touching the services: model signals of the
reference models, and the change log's `changes_logged` (sent once per append, single
or batched, inside the writer's transaction, so the kick is deferred to commit).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from scoreboard.models import Change, Competition, Sport, Team
from scoreboard.services.changelog import changes_logged

from . import fastpath
from .conditional import bump_reference_version
from .models import ApiKey

logger = logging.getLogger(__name__)

KICK_KEY = "partners:wh-kick"


def reference_changed(sender: type, **kwargs: Any) -> None:
    bump_reference_version()


for model in (Sport, Competition, Team):
    post_save.connect(reference_changed, sender=model, dispatch_uid=f"refver-save-{model}")
    post_delete.connect(reference_changed, sender=model, dispatch_uid=f"refver-del-{model}")


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
