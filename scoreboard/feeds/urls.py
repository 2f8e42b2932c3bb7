from __future__ import annotations

from django.urls import path

from . import views

app_name = "feeds"

urlpatterns = [
    path("feeds/<slug:provider>/push", views.push, name="push"),
]
