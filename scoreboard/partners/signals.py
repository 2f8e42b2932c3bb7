"""Signal receivers: reference-data ETags and the webhook relay kick.

Both hook into existing flows without touching the services: model signals of the
reference models, and `post_save` of `Change` (inside the writer's transaction, so the
kick is deferred to commit).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from scoreboard.models import Change, Competition, Sport, Team

from .conditional import bump_reference_version

KICK_KEY = "partners:wh-kick"


def reference_changed(sender: type, **kwargs: Any) -> None:
    bump_reference_version()


for model in (Sport, Competition, Team):
    post_save.connect(reference_changed, sender=model, dispatch_uid=f"refver-save-{model}")
    post_delete.connect(reference_changed, sender=model, dispatch_uid=f"refver-del-{model}")


@receiver(post_save, sender=Change, dispatch_uid="partners-webhook-kick")
def kick_webhook_relay(sender: type, instance: Change, created: bool, **kwargs: Any) -> None:
    # Embedded mode runs tasks inline: never post webhooks inside a staff member's save.
    if not created or settings.CELERY_TASK_ALWAYS_EAGER:
        return
    transaction.on_commit(_kick, robust=True)


def _kick() -> None:
    # At most one kick per second per deployment; the beat relay covers the rest.
    if cache.add(KICK_KEY, 1, 1):
        from .tasks import relay_webhooks

        relay_webhooks.delay()
