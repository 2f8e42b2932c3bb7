from __future__ import annotations

from django.urls import path, register_converter

from . import views


class DateConverter:
    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: object) -> str:
        return str(value)


register_converter(DateConverter, "isodate")

app_name = "scoreboard"

urlpatterns = [
    path("", views.live_now, name="live"),
    path("day/", views.day, name="today"),
    path("day/<isodate:date>/", views.day, name="day"),
    path("competitions/<slug:slug>/", views.competition, name="competition"),
    path("events/<int:event_id>/", views.event, name="event"),
    path("teams/<slug:slug>/", views.team, name="team"),
    path("search/", views.search, name="search"),
    path("events/<int:event_id>/fragment/", views.event_fragment, name="event_fragment"),
    path("healthz", views.healthz, name="healthz"),
]
