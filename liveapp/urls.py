from __future__ import annotations

from django.contrib import admin
from django.contrib.staticfiles.urls import staticfiles_urlpatterns
from django.urls import include, path

from scoreboard.live import health as live_health

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("scoreboard.partners.urls")),
    path("console/", include("scoreboard.console.urls")),
    path("metrics", live_health.metrics, name="metrics"),
    path("readyz", live_health.readyz, name="readyz"),
    path("", include("scoreboard.urls")),
]

# DEBUG under uvicorn/daphne (`make run`, test server processes): Django serves static
# files itself; in production WhiteNoise does (settings). Empty unless DEBUG.
urlpatterns += staticfiles_urlpatterns()
