from __future__ import annotations

from django.apps import AppConfig


class FeedsConfig(AppConfig):
    name = "scoreboard.feeds"
    label = "feeds"
    verbose_name = "Feed ingestion"
