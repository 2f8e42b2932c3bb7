"""Staff login (admin and console) is locked out after repeated failures (django-axes)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

pytestmark = pytest.mark.django_db
PASSWORD = "match-day-2026"
LIMIT = 5  # LOGIN_FAILURE_LIMIT's default


@pytest.fixture
def staff() -> User:
    return User.objects.create_superuser("admin", "admin@example.com", PASSWORD)


def _login(client: Client, password: str, next_url: str = "/admin/", **meta: str) -> int:
    response = client.post(
        f"/admin/login/?next={next_url}",
        {"username": "admin", "password": password, "next": next_url},
        **({"REMOTE_ADDR": "203.0.113.7"} | meta),
    )
    return response.status_code


@pytest.mark.parametrize("next_url", ["/admin/", "/console/"])
def test_it_locks_a_login_out_after_repeated_failures(staff: User, next_url: str) -> None:
    client = Client()
    for _ in range(LIMIT - 1):
        assert _login(client, "wrong", next_url) == 200  # the form again, with its error
    assert _login(client, "wrong", next_url) == 429
    # Locked: even the right password is refused, and no session is opened.
    assert _login(client, PASSWORD, next_url) == 429
    assert "_auth_user_id" not in client.session
    assert client.get(next_url).status_code == 302  # still sent to the login page


def test_it_lets_the_right_password_in_below_the_limit(staff: User) -> None:
    client = Client()
    for _ in range(LIMIT - 1):
        _login(client, "wrong")
    assert _login(client, PASSWORD) == 302
    assert client.get("/admin/").status_code == 200


def test_it_locks_out_the_client_behind_a_trusted_proxy_not_the_proxy(
    staff: User, settings
) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    attacker = {**proxy, "HTTP_X_FORWARDED_FOR": "198.51.100.66"}
    for _ in range(LIMIT):
        _login(Client(), "wrong", **attacker)
    assert _login(Client(), PASSWORD, **attacker) == 429
    # The real admin comes through the same balancer from elsewhere: let in.
    assert _login(Client(), PASSWORD, **proxy, HTTP_X_FORWARDED_FOR="192.0.2.10") == 302
