"""Publishing committed changes to viewers (placeholder until live delivery lands)."""

from __future__ import annotations

from django.utils import timezone

from scoreboard.models import Change


def publish_change(change_id: int) -> None:
    """Publish one committed change. Called on commit and by the relay."""
    Change.objects.filter(pk=change_id, published_at__isnull=True).update(
        published_at=timezone.now()
    )
