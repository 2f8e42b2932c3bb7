"""JSON errors for the API: every error body is {"error": code, "detail": reason, ...}."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from scoreboard.errors import DomainError


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler (keeps WWW-Authenticate and Retry-After), with one body shape."""
    if isinstance(exc, DomainError):
        exc = exceptions.ValidationError({"detail": str(exc)})
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        body: dict[str, Any] = {"error": "invalid", "detail": _first_message(data)}
        if isinstance(data, dict) and set(data) != {"detail"}:
            body["fields"] = data
    else:
        detail = data.get("detail", "") if isinstance(data, dict) else str(data)
        code = getattr(exc, "default_code", "error")
        if isinstance(exc, exceptions.APIException):
            codes = exc.get_codes()
            if isinstance(codes, str):
                code = codes
        body = {"error": code, "detail": str(detail)}
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        body["retry_after"] = int(response.headers.get("Retry-After", exc.wait))
    response.data = body
    return response


def _first_message(data: Any) -> str:
    if isinstance(data, dict):
        for name, value in data.items():
            message = _first_message(value)
            return message if name in ("detail", "non_field_errors") else f"{name}: {message}"
    if isinstance(data, list) and data:
        return _first_message(data[0])
    return str(data)


@csrf_exempt  # any method lands here; CSRF would answer an HTML 403 first
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Unknown paths under /api/v1/ answer JSON like the rest of the API."""
    return JsonResponse(
        {"error": "not_found", "detail": f"no API endpoint at {request.path}"},
        status=status.HTTP_404_NOT_FOUND,
    )
