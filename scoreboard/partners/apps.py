from __future__ import annotations

from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "scoreboard.partners"
    label = "partners"
    verbose_name = "Partner API"

    def ready(self) -> None:
        from . import schema, signals  # noqa: F401  (registers receivers and extensions)
