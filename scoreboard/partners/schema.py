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
