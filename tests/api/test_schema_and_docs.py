"""Acceptance 4: docs/API.md and the served schema agree (the stream included), and the
quick start's key command works as written."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from rest_framework.test import APIClient

from scoreboard import services

pytestmark = pytest.mark.django_db

DOCS = (Path(__file__).resolve().parents[2] / "docs" / "API.md").read_text()


def served_schema() -> dict:
    response = APIClient().get("/api/v1/schema/", HTTP_HOST="127.0.0.1")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_it_documents_every_operation_and_error_of_the_schema() -> None:
    schema = served_schema()
    assert "/api/v1/stream" in schema["paths"]
    stream = schema["paths"]["/api/v1/stream"]["get"]
    assert "text/event-stream" in stream["responses"]["200"]["content"]
    for code in ("key_revoked", "scope_removed", "cursor_ahead"):
        assert code in stream["description"] and f"`{code}`" in DOCS
    statuses: set[str] = set()
    for path, operations in schema["paths"].items():
        short = path.removeprefix("/api/v1")
        for method, operation in operations.items():
            # The docs' endpoint table names each path with its methods.
            row = next((line for line in DOCS.splitlines() if f"`{short}`" in line), None)
            assert row is not None and method.upper() in row, f"{method.upper()} {short}"
            statuses |= {s for s in operation["responses"] if s >= "400"}
    table = re.findall(r"^\| (\d{3}) \|", DOCS, re.M)
    assert statuses <= set(table), statuses - set(table)


def test_it_prints_a_working_key_once(world) -> None:
    services.change_status(event=world.events[0], status="live")
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "create_api_key", "--partner", "Local dev", "--scopes", "read,stream", stdout=out,
        stderr=err,
    )  # fmt: skip
    token = out.getvalue().strip()
    assert token.startswith("slk_") and "\n" not in token
    assert token not in err.getvalue() and "shown this once" in err.getvalue()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {token}")
    live = client.get("/api/v1/events?status=live")
    assert live.status_code == 200
    assert [e["id"] for e in live.json()["results"]] == [world.events[0].pk]
