"""`/metrics` (Prometheus text of this process) and `/readyz` (database and Redis).

`/healthz` (scoreboard.views) stays cheap: it says the process serves requests.
`/readyz` says it can do its job: a load balancer stops sending traffic while it is 503.
Each ASGI process exports its own metrics; scrape every process. With METRICS_TOKEN set,
`/metrics` answers only a scraper that sends it (`Authorization: Bearer <token>`); without
it, only in development (DEBUG): production refuses it (and `check --deploy` warns).
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    token = settings.METRICS_TOKEN
    if not token:
        if settings.DEBUG:
            return _scrape()
        # Production without a token: the counters describe traffic and internals.
        return JsonResponse(
            {"error": "metrics_disabled", "message": "set METRICS_TOKEN to serve /metrics"},
            status=403,
        )
    scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(sent.encode(), token.encode()):
        response = JsonResponse(
            {"error": "unauthorized", "message": "send the metrics token as a Bearer token"},
            status=401,
        )
        response["WWW-Authenticate"] = "Bearer"
        return response
    return _scrape()


def _scrape() -> HttpResponse:
    return HttpResponse(generate_latest(), content_type=CONTENT_TYPE_LATEST)


@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"down: {type(exc).__name__}"
    if not settings.EMBEDDED:
        from scoreboard.live.bus import redis_client

        try:
            redis_client().ping()
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"] = f"down: {type(exc).__name__}"
    ok = all(value == "ok" for value in checks.values())
    return JsonResponse({"ok": ok, "checks": checks}, status=200 if ok else 503)
