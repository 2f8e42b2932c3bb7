"""Acceptance 3: ETag / If-None-Match on lists and details, correct after every change."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scoreboard import services

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/v1/events", "/api/v1/events/{id}", "/api/v1/changes"])
def test_it_answers_304_until_a_score_changes_then_200_with_a_new_etag(
    world, partner_client, path
) -> None:
    event = services.change_status(event=world.events[0], status="live")
    url = path.format(id=event.pk)
    first = partner_client.get(url)
    assert first.status_code == 200
    etag = first["ETag"]
    assert first["Last-Modified"]
    assert first["Cache-Control"] == "private, no-cache"

    again = partner_client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag

    services.record_score(event=event, side="home", player="Saka")
    after = partner_client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert after.status_code == 200
    assert after["ETag"] != etag
    assert partner_client.get(url, HTTP_IF_NONE_MATCH=after["ETag"]).status_code == 304


def test_it_changes_the_etag_when_a_team_is_renamed(world, partner_client) -> None:
    etag = partner_client.get("/api/v1/events")["ETag"]
    team = world.teams[0]
    team.name = "Arsenal FC"
    team.save()
    response = partner_client.get("/api/v1/events", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert "Arsenal FC" in {e["home"]["name"] for e in response.json()["results"]}


def test_it_answers_a_304_without_reading_the_events(world, partner_client) -> None:
    etag = partner_client.get("/api/v1/events")["ETag"]
    # The first revalidation takes the full path (key and latest sequence from the
    # database, nothing about events); it leaves the key in the fast path's cache.
    with CaptureQueriesContext(connection) as queries:
        assert partner_client.get("/api/v1/events", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert len(queries) <= 2, [q["sql"] for q in queries]
    assert "scoreboard_event" not in " ".join(q["sql"] for q in queries)
    # Later ones never touch the database.
    with CaptureQueriesContext(connection) as queries:
        assert partner_client.get("/api/v1/events", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert queries.captured_queries == []
