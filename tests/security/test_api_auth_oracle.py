"""The partner API authenticates API keys only: a staff password proves nothing there.

With DRF's default Session and Basic authentication, `/api/v1/schema/` answered 403
"Invalid username/password." to a wrong password and 200 to the right one.
"""

from __future__ import annotations

import base64

import pytest
from django.contrib.auth.models import User
from django.test import Client

pytestmark = pytest.mark.django_db
PASSWORD = "match-day-2026"


def _basic(username: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture
def admin_user() -> User:
    return User.objects.create_superuser("admin", "admin@example.com", PASSWORD)


@pytest.mark.parametrize("url", ["/api/v1/schema/", "/api/v1/docs/", "/api/v1/events"])
def test_it_answers_a_right_and_a_wrong_password_alike(admin_user: User, url: str) -> None:
    client = Client()
    wrong = client.get(url, headers=_basic("admin", "wrong"))
    right = client.get(url, headers=_basic("admin", PASSWORD))
    assert wrong.status_code == right.status_code
    assert b"Invalid username/password" not in wrong.content
    if url == "/api/v1/events":
        assert right.status_code == 401  # the partner data still needs an API key


def test_it_ignores_a_staff_session_on_the_partner_api(admin_user: User) -> None:
    client = Client()
    client.force_login(admin_user)
    assert client.get("/api/v1/events").status_code == 401
    assert client.get("/api/v1/schema/").status_code == 200  # public description
