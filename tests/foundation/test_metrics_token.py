"""`/metrics` behind METRICS_TOKEN: only a scraper that sends the token reads the counters."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_it_refuses_a_scrape_without_the_token(client: Client, settings) -> None:
    settings.METRICS_TOKEN = "scrape-token-for-tests"
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "scrape"}):
        response = client.get("/metrics", headers=headers)
        assert response.status_code == 401
        assert response.json()["error"] == "unauthorized"
        assert response["WWW-Authenticate"] == "Bearer"


def test_it_serves_a_scrape_with_the_token(client: Client, settings) -> None:
    settings.METRICS_TOKEN = "scrape-token-for-tests"
    response = client.get("/metrics", headers={"Authorization": "Bearer scrape-token-for-tests"})
    assert response.status_code == 200
    assert b"scoreline_" in response.content


def test_it_is_open_in_development_when_no_token_is_set(client: Client, settings) -> None:
    settings.METRICS_TOKEN = ""
    settings.DEBUG = True
    response = client.get("/metrics")
    assert response.status_code == 200
    assert b"scoreline_" in response.content
