from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from scoreboard.live import health as live_health

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("scoreboard.partners.urls")),
    path("console/", include("scoreboard.console.urls")),
    path("metrics", live_health.metrics, name="metrics"),
    path("readyz", live_health.readyz, name="readyz"),
    path("", include("scoreboard.urls")),
    path("", include("scoreboard.feeds.urls")),
]
