from __future__ import annotations

from django.urls import path

from . import views

app_name = "console"

urlpatterns = [
    path("", views.console, name="index"),
    path("events/<int:event_id>/card/", views.card, name="card"),
    path("events/<int:event_id>/panel/", views.panel, name="panel"),
    path("events/<int:event_id>/act/<slug:action>/", views.act, name="act"),
    path("undo/<str:token>/", views.undo, name="undo"),
    path("changes/", views.changes, name="changes"),
    path("ops/", views.ops_panel, name="ops"),
    path("metrics.json", views.metrics_json, name="metrics"),
]
