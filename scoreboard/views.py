from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from scoreboard.models import Event, Status


def home(request: HttpRequest) -> HttpResponse:
    events = (
        Event.objects.filter(status__in=[Status.LIVE, Status.BREAK])
        .select_related("competition__sport", "home", "away")
        .order_by("competition__sport__display_order", "competition__display_order", "kickoff")
    )
    return render(request, "scoreboard/home.html", {"events": events})


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})
