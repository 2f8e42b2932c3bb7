"""Feed operations for the console: provider health and quarantined messages.

`scoreboard.feeds` is built by the ingestion work; it is imported lazily and anything
missing shows as "n/a" rather than breaking the console.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
from typing import Any

logger = logging.getLogger(__name__)


def _feeds_selectors() -> Any | None:
    for name in ("scoreboard.feeds.selectors", "scoreboard.feeds.health"):
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    return None


def snapshot() -> dict[str, Any]:
    """{"providers": [...] | None, "quarantined": int | None, "quarantine_url": str}."""
    result: dict[str, Any] = {"providers": None, "quarantined": None, "quarantine_url": ""}
    module = _feeds_selectors()
    try:
        if module is not None and hasattr(module, "provider_health"):
            result["providers"] = list(module.provider_health())
        if module is not None and hasattr(module, "quarantined_count"):
            result["quarantined"] = module.quarantined_count()
        result.update(_from_models(result))
    except Exception:  # the console must stay up whatever the feeds app does
        logger.exception("feed health unavailable")
    return result


def _from_models(current: dict[str, Any]) -> dict[str, Any]:
    """Fallback straight from the feeds models when no selector exists."""
    from django.apps import apps
    from django.urls import NoReverseMatch, reverse

    found: dict[str, Any] = {}
    try:
        config = apps.get_app_config("feeds")
    except LookupError:
        return found
    for model in config.get_models():
        name = model.__name__.lower()
        if "quarantin" in name:
            if current["quarantined"] is None:
                found["quarantined"] = model.objects.count()
            with contextlib.suppress(NoReverseMatch):
                found["quarantine_url"] = reverse(f"admin:feeds_{name}_changelist")
    return found
