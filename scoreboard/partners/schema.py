"""drf-spectacular glue: the API-key security scheme and the partner-API-only schema."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "scoreboard.partners.auth.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        # OpenAPI 3.0 cannot express a custom Authorization scheme; apiKey on the
        # header is the documented approximation (drf-spectacular issue #205).
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Value: `Api-Key <token>` (keys are issued by Scoreline staff).",
        }


def only_partner_api(endpoints: list[tuple]) -> list[tuple]:
    """Preprocessing hook: the public schema documents /api/v1/ only."""
    return [e for e in endpoints if e[0].startswith("/api/v1/")]


STREAM_DESCRIPTION = """\
Server-sent events (`text/event-stream`) of every change after your cursor, in sequence
order, then live ones; the response stays open. Requires the `stream` scope.

- `id: <seq>` / `event: change` / `data: <JSON>`: one change, the same object as in
  `GET /changes` (`seq`, `event_id`, `kind`, `version`, `created_at`, `payload`).
- `event: error` / `data: {"error": <code>, "detail": <reason>}`: the last message before
  the stream ends. Codes: `key_revoked`, `key_deleted`, `scope_removed` (checked every
  heartbeat, 15 s by default), `cursor_ahead` (your cursor is above the latest sequence).
- `: keepalive` comments every heartbeat, busy or idle; `retry: 2000` at the start.

Resume with `Last-Event-ID: <seq>` (EventSource does it) or `?after=<seq>`; with
neither, the stream starts from now."""


def _error_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOutput"}}},
    }


def _stream_operation() -> dict[str, Any]:
    cursor = {"type": "integer", "minimum": 0, "format": "int64"}
    return {
        "operationId": "stream_retrieve",
        "summary": "The live stream of changes (server-sent events).",
        "description": STREAM_DESCRIPTION,
        "tags": ["changes"],
        "security": [{"ApiKeyAuth": []}],
        "parameters": [
            {
                "in": "query",
                "name": "after",
                "schema": cursor,
                "description": "Last sequence you have (or send Last-Event-ID).",
            },
            {
                "in": "header",
                "name": "Last-Event-ID",
                "schema": cursor,
                "description": "Last sequence you processed; wins over `after`.",
            },
        ],
        "responses": {
            "200": {
                "description": "The stream (change, error and keepalive messages).",
                "content": {"text/event-stream": {"schema": {"type": "string"}}},
            },
            "400": _error_response("`after` / `Last-Event-ID` is not a sequence number."),
            "401": _error_response("No key, an unknown key or a revoked key."),
            "403": _error_response("The key lacks the `stream` scope."),
            "405": _error_response("Only GET."),
            "429": _error_response("Over the key's rate; see Retry-After."),
        },
    }


def _link(operation_id: str, **parameters: str) -> dict[str, Any]:
    return {"operationId": operation_id, "parameters": parameters}


# OpenAPI links: how one answer's ids feed the next call (clients and stateful fuzzers).
LINKS: dict[tuple[str, str, str], dict[str, Any]] = {
    ("/api/v1/webhooks", "post", "201"): {
        name: _link(op, webhook_id="$response.body#/id")
        for name, op in (
            ("GetWebhook", "webhooks_retrieve"),
            ("DeleteWebhook", "webhooks_destroy"),
            ("EnableWebhook", "webhooks_enable_create"),
            ("WebhookDeliveries", "webhooks_deliveries_list"),
        )
    },
    ("/api/v1/events", "get", "200"): {
        "GetEvent": _link("events_retrieve", event_id="$response.body#/results/0/id"),
    },
    ("/api/v1/competitions", "get", "200"): {
        "GetStandings": _link(
            "competitions_standings_retrieve", competition_id="$response.body#/0/id"
        ),
        "CompetitionTeams": _link("teams_list", competition="$response.body#/0/id"),
    },
}


CLOSED_INPUTS = ("WebhookInput", "TopicsInput")


def complete_schema(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """Postprocessing hook: the stream (an async view outside DRF) and the links."""
    result["paths"]["/api/v1/stream"] = {"get": _stream_operation()}
    for name in CLOSED_INPUTS:  # unknown keys are a 400 (serializers.WebhookInput)
        result["components"]["schemas"][name]["additionalProperties"] = False
    for (path, method, status), links in LINKS.items():
        response = result["paths"].get(path, {}).get(method, {}).get("responses", {}).get(status)
        if response is not None:
            response["links"] = links
    return result
