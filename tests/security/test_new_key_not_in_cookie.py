"""A new API key is shown to the staff member once, and never travels in a cookie.

Django's default message storage puts messages in a cookie that is signed, not
encrypted: anyone holding the response could read the key without the SECRET_KEY.
"""

from __future__ import annotations

import base64
import re
import zlib

import pytest
from django.contrib.auth.models import User
from django.test import Client

from scoreboard.partners.models import ApiKey, Partner

pytestmark = pytest.mark.django_db


def _readable(cookie_value: str) -> str:
    """What anyone can read in a signed cookie: its payload, without any key."""
    payload = cookie_value.strip('"').split(":")[0]  # payload:timestamp:signature
    compressed = payload.startswith(".")
    raw = base64.urlsafe_b64decode(payload.lstrip(".") + "=" * (-len(payload) % 4))
    return (zlib.decompress(raw) if compressed else raw).decode(errors="replace")


def test_it_shows_a_new_key_once_and_keeps_it_out_of_every_cookie() -> None:
    staff = User.objects.create_superuser("admin", "admin@example.com", "match-day-2026")
    partner = Partner.objects.create(name="Acme Media")
    client = Client()
    client.force_login(staff)
    created = client.post(
        "/admin/partners/apikey/add/",
        {"partner": partner.pk, "name": "prod", "scopes": ["read"], "rate": "60/min"},
    )
    assert created.status_code == 302
    assert ApiKey.objects.filter(partner=partner).count() == 1

    shown = client.get(created["Location"])
    token = re.search(r"slk_[A-Za-z0-9_-]+", shown.content.decode())
    assert token is not None, "the new key is shown to the staff member"
    again = client.get(created["Location"])
    assert token.group() not in again.content.decode()  # shown once

    for response in (created, shown):
        for name, morsel in response.cookies.items():
            assert token.group() not in morsel.value
            if name == "messages" and morsel.value:
                assert token.group() not in _readable(morsel.value)
