"""Browser tests (pages helper): headless Debian Chromium through Playwright's sync API.

Playwright's sync API keeps an asyncio loop on the test thread, which makes Django
refuse ORM calls there (SynchronousOnlyOperation). The escape hatch is set for these
modules only, by an autouse fixture, and removed after each module; server processes never
inherit it (tests/support/asgi_server.py drops it).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest
from django.db import connection
from playwright.sync_api import Browser, Page, sync_playwright

T = TypeVar("T")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


@pytest.fixture(scope="module", autouse=True)
def _allow_orm_beside_playwright() -> Iterator[None]:
    # Module scope: set before and removed after pytest-django's per-test flush.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(timezone_id="UTC", viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    yield tab
    context.close()


class Editor:
    """Applies changes through the service layer from another thread, as a worker or a
    staff member would, while the browser shows the page."""

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="editor")

    def __call__(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return self.pool.submit(fn, *args, **kwargs).result(timeout=30)

    def close(self) -> None:
        # The thread's own DB connection must go before the test database is flushed.
        self.pool.submit(lambda: connection.close()).result(timeout=30)
        self.pool.shutdown()


@pytest.fixture
def editor() -> Iterator[Editor]:
    instance = Editor()
    yield instance
    instance.close()
