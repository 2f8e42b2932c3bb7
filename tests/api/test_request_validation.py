"""Items 4 and 8: request bodies and query parameters are either understood or refused.

Webhook bodies are JSON only (and only JSON is advertised); topics that select nothing,
invalid page sizes and empty parameters are 400s, never silently ignored.
"""

from __future__ import annotations

import pytest

from scoreboard.partners.models import Webhook

pytestmark = pytest.mark.django_db

HOOK = {"url": "https://hooks.example.com/in", "secret": "a-secret-of-32-characters-000000"}


@pytest.mark.parametrize("body_format", ["multipart", "form"])
def test_it_refuses_webhook_bodies_that_are_not_json(world, partner_client, body_format) -> None:
    data = {**HOOK, "topics": '{"events": [1]}'}
    if body_format == "multipart":
        response = partner_client.post("/api/v1/webhooks", data, format="multipart")
    else:
        response = partner_client.post(
            "/api/v1/webhooks",
            "url=https%3A%2F%2Fhooks.example.com%2Fin&secret=a-secret-of-32-characters-000000"
            "&topics=%7B%22events%22%3A%5B1%5D%7D",
            content_type="application/x-www-form-urlencoded",
        )
    assert response.status_code == 415
    assert response.json()["error"] == "unsupported_media_type"
    assert not Webhook.objects.exists()  # nothing subscribed to everything


@pytest.mark.parametrize(
    "topics",
    [{"all": False}, {"all": False, "events": []}, {"sports": []}, {"event": [1]}],
)
def test_it_refuses_topics_that_select_nothing(world, partner_client, topics) -> None:
    response = partner_client.post("/api/v1/webhooks", {**HOOK, "topics": topics}, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["error"] == "invalid"
    assert not Webhook.objects.exists()


@pytest.mark.parametrize("field", ["secret", "url"])
def test_it_refuses_a_number_where_a_string_is_due(world, partner_client, field) -> None:
    body = {**HOOK, field: 12345678901234567890}
    response = partner_client.post("/api/v1/webhooks", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_it_subscribes_to_what_the_json_topics_say(world, partner_client) -> None:
    topics = {"competitions": [world.competition.pk]}
    response = partner_client.post("/api/v1/webhooks", {**HOOK, "topics": topics}, format="json")
    assert response.status_code == 201
    assert response.json()["topics"] == topics
    whole = partner_client.post("/api/v1/webhooks", HOOK, format="json")
    assert whole.json()["topics"] == {"all": True}


@pytest.mark.parametrize(
    "query",
    [
        "page_size=abc",
        "page_size=0",
        "page_size=-1",
        "page_size=201",
        "sport=",
        "team=",
        "status=",
        "team=1.0",
        "page_size=5.",
    ],
)
def test_it_answers_400_to_invalid_or_empty_parameters(world, partner_client, query) -> None:
    response = partner_client.get(f"/api/v1/events?{query}")
    assert response.status_code == 400, response.content
    assert response.json()["error"] == "invalid"
    # Even with If-None-Match: * (a 304 would say "your copy of this bad query is fine").
    star = partner_client.get(f"/api/v1/events?{query}", HTTP_IF_NONE_MATCH="*")
    assert star.status_code == 400


def test_it_pages_with_a_valid_page_size(world, partner_client) -> None:
    body = partner_client.get("/api/v1/events?page_size=2").json()
    assert len(body["results"]) == 2 and body["next"]


def test_a_slug_with_a_control_character_is_a_400_even_with_if_none_match_star(
    world, partner_client
) -> None:
    # "\x1c" is whitespace to Python's strip(): trimmed, "R\x1c" passed as the slug "R" and
    # `If-None-Match: *` then answered 304 for a query the schema calls invalid.
    response = partner_client.get("/api/v1/teams?sport=R%1C", HTTP_IF_NONE_MATCH="*")
    assert response.status_code == 400
    assert response.json()["error"]
