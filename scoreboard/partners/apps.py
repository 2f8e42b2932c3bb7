from __future__ import annotations

from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "scoreboard.partners"
    label = "partners"
    verbose_name = "Partner API"
