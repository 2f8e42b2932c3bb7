"""/api/v1/: the partner API, its OpenAPI schema and docs (assets served locally)."""

from __future__ import annotations

from django.urls import path, re_path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from . import apis, schema, stream  # noqa: F401  (schema registers the auth extension)
from .exceptions import not_found

app_name = "api"

urlpatterns = [
    path("sports", apis.SportListApi.as_view(), name="sports"),
    path("competitions", apis.CompetitionListApi.as_view(), name="competitions"),
    path(
        "competitions/<int:competition_id>/standings",
        apis.StandingsApi.as_view(),
        name="standings",
    ),
    path("teams", apis.TeamListApi.as_view(), name="teams"),
    path("events", apis.EventListApi.as_view(), name="events"),
    path("events/<int:event_id>", apis.EventDetailApi.as_view(), name="event"),
    path("changes", apis.ChangesApi.as_view(), name="changes"),
    path("stream", stream.change_stream, name="stream"),
    path("webhooks", apis.WebhookListApi.as_view(), name="webhooks"),
    path("webhooks/<int:webhook_id>", apis.WebhookDetailApi.as_view(), name="webhook"),
    path(
        "webhooks/<int:webhook_id>/enable", apis.WebhookEnableApi.as_view(), name="webhook-enable"
    ),
    path(
        "webhooks/<int:webhook_id>/deliveries",
        apis.WebhookDeliveriesApi.as_view(),
        name="webhook-deliveries",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: no inline script (CSP).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    re_path(r"^.*$", not_found),
]
