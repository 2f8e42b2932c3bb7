"""Deployment checks of our own, run by `manage.py check --deploy` beside Django's."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register

W_METRICS_TOKEN = "scoreline.W001"


@register(Tags.security, deploy=True)
def metrics_token_set(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Without METRICS_TOKEN, production refuses `/metrics`: nothing can scrape it."""
    if settings.METRICS_TOKEN:
        return []
    return [
        Warning(
            "METRICS_TOKEN is not set: /metrics is refused (403) with DEBUG off, and open "
            "to anyone with DEBUG on.",
            hint="Set METRICS_TOKEN to a long random string and give it to the Prometheus "
            "scrape config (authorization: credentials).",
            id=W_METRICS_TOKEN,
        )
    ]
