"""Browser tests (pages helper): headless Debian Chromium through Playwright's sync API.

Playwright's sync API keeps an asyncio loop on the test thread, which makes Django
refuse ORM calls there (SynchronousOnlyOperation). The escape hatch is set for these
modules only, by an autouse fixture, and removed after each module; server processes never
inherit it (tests/support/asgi_server.py drops it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest
from django.db import connection
from playwright.sync_api import Browser, Page

from tests.support.browser import allow_orm_beside_playwright, chromium

T = TypeVar("T")


@pytest.fixture(scope="module", autouse=True)
def _allow_orm_beside_playwright() -> Iterator[None]:
    # Module scope: set before and removed after pytest-django's per-test flush.
    with allow_orm_beside_playwright():
        yield


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as instance:
        yield instance


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
