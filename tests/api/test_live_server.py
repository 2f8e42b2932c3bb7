"""Against a real uvicorn process: schemathesis over the live schema (acceptance 1),
the docs with local assets, and the SSE stream with resume."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks as sc

from scoreboard import services
from scoreboard.models import Change
from tests.api.conftest import finish

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def live_key(world: Any, make_key: Any) -> str:
    finish(world.events[0], 2, 1)
    services.change_status(event=world.events[1], status="live")
    _, token = make_key(rate="100000/min")
    return token


CHECKS = [
    sc.not_a_server_error,
    sc.status_code_conformance,
    sc.content_type_conformance,
    sc.response_schema_conformance,
]


def test_it_conforms_to_its_live_schema_without_server_errors(
    api_server: Any, live_key: str
) -> None:
    """Every operation of the live schema, fuzzed with a valid key (bounded examples)."""
    schema = schemathesis.openapi.from_url(f"{api_server.url}/api/v1/schema/")
    headers = {"Authorization": f"Api-Key {live_key}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 13
    # The stream never ends, so a case could not read its response to the end: its own
    # tests cover it (test_stream_ends.py, and the resume test below).
    operations = [op for op in operations if op.path != "/api/v1/stream"]
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=12,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case: Any) -> None:
            if case.query and isinstance(case.query.get("wait"), int):
                case.query["wait"] = min(case.query["wait"], 1)  # keep long-polls short
            case.call_and_validate(base_url=api_server.url, headers=headers, checks=CHECKS)

        run()


def test_it_serves_interactive_docs_from_local_assets(api_server: Any) -> None:
    for page in ("/api/v1/docs/", "/api/v1/redoc/"):
        html = httpx.get(api_server.url + page).text
        assert "cdn.jsdelivr" not in html and "unpkg.com" not in html
        assets = [a for a in _asset_urls(html) if "sidecar" in a]
        assert assets, page
        for asset in assets:
            assert httpx.get(api_server.url + asset).status_code == 200, asset


def _asset_urls(html: str) -> list[str]:
    import re

    return re.findall(r'(?:src|href)="(/static/[^"]+)"', html)


def test_it_streams_changes_with_their_sequence_and_resumes(
    api_server: Any, world: Any, make_key: Any
) -> None:
    _, token = make_key(scopes=("stream",))
    headers = {"Authorization": f"Api-Key {token}"}
    start = Change.objects.order_by("-id").values_list("id", flat=True).first()
    event = services.change_status(event=world.events[2], status="live")
    for side in ("home", "away", "home"):
        event = services.record_score(event=event, side=side)
    expected = list(Change.objects.filter(id__gt=start).order_by("id").values_list("id", flat=True))

    def read(extra: dict[str, str], params: dict[str, Any], count: int) -> list[dict[str, Any]]:
        got: list[dict[str, Any]] = []
        with httpx.stream(
            "GET",
            f"{api_server.url}/api/v1/stream",
            headers=headers | extra,
            params=params,
            timeout=10,
        ) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            seq = None
            for line in response.iter_lines():
                if line.startswith("id: "):
                    seq = int(line[4:])
                elif line.startswith("data: "):
                    data = json.loads(line[6:])
                    assert data["seq"] == seq
                    got.append(data)
                    if len(got) == count:
                        break
        return got

    first = read({}, {"after": start}, 2)
    assert [c["seq"] for c in first] == expected[:2]
    # Resume after the last one processed, as EventSource does on reconnect.
    rest = read({"Last-Event-ID": str(first[-1]["seq"])}, {}, len(expected) - 2)
    assert [c["seq"] for c in rest] == expected[2:]
    assert rest[-1]["payload"]["event"]["home_score"] == 2


def test_it_refuses_the_stream_without_a_key_or_scope(api_server: Any, make_key: Any) -> None:
    url = f"{api_server.url}/api/v1/stream"
    assert httpx.get(url).status_code == 401
    _, read_only = make_key(scopes=("read",))
    refused = httpx.get(url, headers={"Authorization": f"Api-Key {read_only}"})
    assert refused.status_code == 403
    assert refused.json()["error"] == "permission_denied"
