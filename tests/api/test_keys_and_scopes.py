"""Acceptance 2: a key reaches only what its scopes allow, within its rate."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from scoreboard.partners import services as partner_services
from scoreboard.partners.models import ApiKey, Webhook

pytestmark = pytest.mark.django_db


def client_for(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {token}")
    return client


def test_it_answers_401_with_a_json_reason_without_a_key(world) -> None:
    response = APIClient().get("/api/v1/events")
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"
    assert "Api-Key" in response["WWW-Authenticate"]


def test_it_answers_401_for_an_unknown_key(world) -> None:
    response = client_for("slk_nope_not-a-real-key").get("/api/v1/events")
    assert response.status_code == 401
    assert response.json() == {"error": "authentication_failed", "detail": "invalid API key"}


def test_it_answers_401_once_a_key_is_revoked(world, make_key) -> None:
    _, token = make_key()
    client = client_for(token)
    assert client.get("/api/v1/events").status_code == 200
    partner_services.revoke_api_key(key=ApiKey.objects.get())
    response = client.get("/api/v1/events")
    assert response.status_code == 401
    assert response.json()["detail"] == "this API key has been revoked"


def test_it_answers_403_when_the_key_lacks_the_scope(world, make_key) -> None:
    _, read_only = make_key(scopes=("read",))
    response = client_for(read_only).get("/api/v1/webhooks")
    assert response.status_code == 403
    assert response.json() == {
        "error": "permission_denied",
        "detail": "this API key lacks the 'webhooks' scope",
    }
    _, hooks_only = make_key(scopes=("webhooks",), partner="Other")
    assert client_for(hooks_only).get("/api/v1/events").status_code == 403
    assert client_for(hooks_only).get("/api/v1/changes").status_code == 403


def test_it_answers_429_with_retry_after_over_the_keys_limit(world, make_key) -> None:
    _, token = make_key(rate="3/min")
    client = client_for(token)
    assert [client.get("/api/v1/sports").status_code for _ in range(3)] == [200, 200, 200]
    response = client.get("/api/v1/sports")
    assert response.status_code == 429
    retry_after = int(response["Retry-After"])
    assert 1 <= retry_after <= 60
    assert response.json()["error"] == "throttled"
    assert response.json()["retry_after"] == retry_after
    # Limits are per key: another key of the same partner is unaffected.
    _, other = make_key(rate="3/min")
    assert client_for(other).get("/api/v1/sports").status_code == 200


def test_it_never_lets_a_key_reach_another_partners_webhooks(world, make_key) -> None:
    _, acme = make_key(partner="Acme")
    _, rival = make_key(partner="Rival")
    created = client_for(acme).post(
        "/api/v1/webhooks",
        {"url": "https://hooks.acme.example/scores", "secret": "s" * 32},
        format="json",
    )
    assert created.status_code == 201
    hook_id = created.json()["id"]
    rival_client = client_for(rival)
    assert rival_client.get("/api/v1/webhooks").json() == []
    for method, path in [
        ("get", f"/api/v1/webhooks/{hook_id}"),
        ("get", f"/api/v1/webhooks/{hook_id}/deliveries"),
        ("post", f"/api/v1/webhooks/{hook_id}/enable"),
        ("delete", f"/api/v1/webhooks/{hook_id}"),
    ]:
        response = getattr(rival_client, method)(path)
        assert response.status_code == 404, (method, path)
        assert response.json()["error"] == "not_found"
    assert Webhook.objects.filter(pk=hook_id).exists()
    assert client_for(acme).get(f"/api/v1/webhooks/{hook_id}").status_code == 200


def test_it_refuses_plain_http_webhooks_except_to_loopback(world, partner_client) -> None:
    refused = partner_client.post(
        "/api/v1/webhooks",
        {"url": "http://hooks.example.com/x", "secret": "s" * 32},
        format="json",
    )
    assert refused.status_code == 400
    assert "HTTPS" in refused.json()["detail"]
    allowed = partner_client.post(
        "/api/v1/webhooks", {"url": "http://127.0.0.1:9/x", "secret": "s" * 32}, format="json"
    )
    assert allowed.status_code == 201


def test_it_answers_unknown_api_paths_with_json_404(partner_client) -> None:
    response = partner_client.get("/api/v1/nope")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    assert partner_client.get("/api/v1/events/999999").json()["detail"] == "no such event"


def test_it_stores_only_a_hash_of_the_key(make_key) -> None:
    _, token = make_key()
    key = ApiKey.objects.get()
    assert token not in (key.hashed_key, key.prefix)
    assert token.startswith(key.prefix + "_")
