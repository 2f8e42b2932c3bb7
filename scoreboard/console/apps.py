from __future__ import annotations

from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    """No models: the audit trail is the change log, presence lives in Redis."""

    name = "scoreboard.console"
    label = "console"
    verbose_name = "Staff console"
