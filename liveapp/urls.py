from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("scoreboard.partners.urls")),
    path("console/", include("scoreboard.console.urls")),
    path("", include("scoreboard.urls")),
    path("", include("scoreboard.feeds.urls")),
]
