"""Feed operations for the console: provider health and quarantined messages.

`scoreboard.feeds` is built by the ingestion work; it is imported lazily and anything
missing shows as "n/a" rather than breaking the console.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from django.urls import NoReverseMatch, reverse

logger = logging.getLogger(__name__)


def snapshot() -> dict[str, Any]:
    """{"providers": [...] | None, "quarantined": int | None, "quarantine_url": str}."""
    result: dict[str, Any] = {"providers": None, "quarantined": None, "quarantine_url": ""}
    try:
        from scoreboard.feeds.health import provider_health
        from scoreboard.feeds.models import Provider, QuarantinedMessage
    except ImportError:
        return result
    try:
        result["providers"] = [
            provider_health(name)
            for name in Provider.objects.filter(enabled=True).values_list("name", flat=True)
        ]
        result["quarantined"] = QuarantinedMessage.objects.filter(resolved=False).count()
        with contextlib.suppress(NoReverseMatch):
            result["quarantine_url"] = (
                reverse("admin:feeds_quarantinedmessage_changelist") + "?resolved__exact=0"
            )
    except Exception:  # the console must stay up whatever the feeds app does
        logger.exception("feed health unavailable")
    return result
