from __future__ import annotations

from django.apps import AppConfig


class ScoreboardConfig(AppConfig):
    name = "scoreboard"
    verbose_name = "Scoreboard"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the deployment checks)
