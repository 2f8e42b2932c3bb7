"""Item 6: every error under /api/ is JSON, whichever layer answers it: the URL
resolver's 404, CSRF, a 405, and a 500 (here: a server whose database is unreachable)."""

from __future__ import annotations

import os
from typing import Any

import httpx
import pytest

from tests.support.asgi_server import AsgiServer, server_database_url

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def assert_json_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"] == "application/json", response.text[:300]
    assert response.json()["error"] == code
    assert response.json()["detail"]


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/api/v1/events/%0A", 404, "not_found"),
        ("GET", "/api/v1/events/%0A/x", 404, "not_found"),
        ("GET", "/api/v2/events", 404, "not_found"),
        ("POST", "/api/v1/stream", 405, "method_not_allowed"),
        ("DELETE", "/api/v1/sports", 405, "method_not_allowed"),
        ("POST", "/api/v1/nothing-here", 404, "not_found"),
    ],
)
def test_it_answers_json_on_every_api_path(
    api_server: Any, make_key, method, path, status, code
) -> None:
    _, token = make_key()
    response = httpx.request(
        method, api_server.url + path, headers={"Authorization": f"Api-Key {token}"}
    )
    assert_json_error(response, status, code)


def test_it_answers_a_json_500_when_the_database_is_down(django_db_blocker: Any) -> None:
    with django_db_blocker.unblock():
        missing = server_database_url() + "_missing"  # no such database
    env = {"DB_POOL": "0"}  # fail at once instead of waiting for the pool
    with AsgiServer(database_url=missing, redis_url=os.environ.get("REDIS_URL"), env=env) as down:
        response = httpx.get(
            f"{down.url}/api/v1/sports", headers={"Authorization": "Api-Key slk_x_y"}
        )
    assert_json_error(response, 500, "server_error")
