"""Browser tests of the console: real uvicorn on the test database, headless Chromium.

Playwright's sync API keeps an asyncio loop on the test thread, so Django would refuse
ORM calls there; the escape hatch is set for these modules only (never in servers:
tests/support/asgi_server.py drops it). One server per package keeps the area fast.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from playwright.sync_api import Browser, BrowserContext

from tests.support.asgi_server import AsgiServer, server_database_url
from tests.support.browser import allow_orm_beside_playwright, chromium


@pytest.fixture(scope="package", autouse=True)
def _allow_orm_beside_playwright() -> Iterator[None]:
    with allow_orm_beside_playwright():
        yield


# Package scope: one server and one browser for every console browser test.
@pytest.fixture(scope="package")
def server(django_db_setup: None, django_db_blocker: Any) -> Iterator[AsgiServer]:
    with django_db_blocker.unblock():
        database_url = server_database_url()
    instance = AsgiServer(database_url=database_url, redis_url=os.environ.get("REDIS_URL"))
    with instance:
        yield instance


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    with chromium() as instance:
        yield instance


@pytest.fixture
def session_for(browser: Browser, server: AsgiServer) -> Iterator[Callable[..., BrowserContext]]:
    """A browser context signed in as `user` (None: anonymous), closed after the test."""
    contexts: list[BrowserContext] = []

    def make(user: User | None, *, width: int = 1440, height: int = 900) -> BrowserContext:
        context = browser.new_context(
            timezone_id="UTC", viewport={"width": width, "height": height}, base_url=server.url
        )
        if user is not None:
            client = Client()
            client.force_login(user)
            session = client.cookies["sessionid"].value
            context.add_cookies([{"name": "sessionid", "value": session, "url": server.url}])
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
