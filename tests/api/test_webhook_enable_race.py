"""Item 2: enabling a webhook while it is deleted is a JSON 404, never a 500."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest

from scoreboard.partners import services
from scoreboard.partners.models import Webhook

HOOK = {"url": "https://hooks.example.com/in", "secret": "a-secret-of-32-characters-000000"}


@pytest.mark.django_db
def test_it_refuses_to_enable_a_webhook_deleted_meanwhile(world, partner_client) -> None:
    hook_id = partner_client.post("/api/v1/webhooks", HOOK, format="json").json()["id"]
    stale = Webhook.objects.get(pk=hook_id)  # what the enable request read first
    assert partner_client.delete(f"/api/v1/webhooks/{hook_id}").status_code == 204
    with pytest.raises(Webhook.DoesNotExist):
        services.enable_webhook(webhook=stale)
    assert not Webhook.objects.filter(pk=hook_id).exists()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_it_answers_enable_racing_delete_with_json(api_server: Any, world, make_key) -> None:
    _, token = make_key(scopes=("webhooks",))
    client = httpx.Client(
        base_url=api_server.url, headers={"Authorization": f"Api-Key {token}"}, timeout=10
    )
    statuses: list[tuple[int, str]] = []
    for _ in range(15):
        hook_id = client.post("/api/v1/webhooks", json=HOOK).json()["id"]
        start = threading.Barrier(2)

        def call(method: str, path: str, hook_id: int = hook_id, start: Any = start) -> None:
            start.wait(5)
            response = client.request(method, f"/api/v1/webhooks/{hook_id}{path}")
            statuses.append((response.status_code, response.headers.get("content-type", "")))

        racers = [
            threading.Thread(target=call, args=("POST", "/enable")),
            threading.Thread(target=call, args=("DELETE", "")),
        ]
        for racer in racers:
            racer.start()
        for racer in racers:
            racer.join(10)
    assert len(statuses) == 30
    assert {code for code, _ in statuses} <= {200, 204, 404}, statuses
    assert all(kind == "application/json" for code, kind in statuses if code != 204)
