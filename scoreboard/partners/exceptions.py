"""JSON errors for the API: every error body is {"error": code, "detail": reason, ...}.

DRF views answer through `api_exception_handler`. Whatever else answers an error under
/api/ (the URL resolver's 404, CSRF's 403, a plain 405, Django's 500 page after an
uncaught exception, a 400 for a bad Host) passes `ApiJsonErrors`, which turns it into
the same JSON shape.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.utils.deprecation import MiddlewareMixin
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


API_PREFIX = "/api/"
# Error codes by status where DRF's own codes exist; others use the status's name.
_CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    415: "unsupported_media_type",
    429: "throttled",
    500: "server_error",
}
# Headers an error must keep (what to do next): the rest describe the HTML body.
_KEPT = ("Allow", "Retry-After", "WWW-Authenticate", "Vary", "Cache-Control")


class ApiJsonErrors(MiddlewareMixin):
    """Any non-JSON error response under /api/ becomes {"error", "detail"} JSON."""

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> Any:
        if (
            response.status_code < 400
            or response.streaming
            or not request.path.startswith(API_PREFIX)
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        status = response.status_code
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Error"
        code = _CODES.get(status, phrase.lower().replace(" ", "_").replace("-", "_"))
        detail = {
            404: f"no API endpoint at {request.path!r}",
            500: "internal server error: the failure is logged; please retry later",
        }.get(status, f"{phrase}.")
        json_response = JsonResponse({"error": code, "detail": detail}, status=status)
        for name in _KEPT:
            if name in response:
                json_response[name] = response[name]
        return json_response
