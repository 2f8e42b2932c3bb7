"""Every kind of page runs under a strict Content-Security-Policy, and stays live.

A real uvicorn and headless Chromium: each page is loaded, its CSP header read, and any
violation the browser reports (the `securitypolicyviolation` event and the console's
"Content Security Policy" errors) collected. The public live page and the console then
show a change made through the services, without a reload.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, expect

from scoreboard import services
from scoreboard.models import Event
from tests.live.pages_world import World, build_world
from tests.support.asgi_server import AsgiServer, server_database_url
from tests.support.browser import allow_orm_beside_playwright, chromium

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CONNECT = 15000  # ms: page load and first socket connect on a busy machine
WITHIN = 2000  # ms: a change reaching an open page
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"}`);
});
"""


@pytest.fixture(scope="module", autouse=True)
def _allow_orm_beside_playwright() -> Iterator[None]:
    with allow_orm_beside_playwright():
        yield


@pytest.fixture(scope="module")
def server(django_db_setup: None, django_db_blocker: Any) -> Iterator[AsgiServer]:
    with django_db_blocker.unblock():
        database_url = server_database_url()
    with AsgiServer(database_url=database_url, redis_url=os.environ.get("REDIS_URL")) as instance:
        yield instance


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as instance:
        yield instance


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def match(world: World) -> Event:
    return world.live("Arsenal", "Chelsea")


@pytest.fixture
def staff_context(browser: Browser, server: AsgiServer) -> Iterator[BrowserContext]:
    """A browser signed in as a superuser (console editor, admin)."""
    user = User.objects.create_superuser("admin", "admin@example.com", "match-day-2026")
    client = Client()
    client.force_login(user)
    context = browser.new_context(timezone_id="UTC", base_url=server.url)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": server.url}]
    )
    context.add_init_script(RECORD_VIOLATIONS)
    yield context
    context.close()


class Watched:
    """A page with its CSP header and every violation the browser reported on it."""

    def __init__(self, context: BrowserContext, path: str) -> None:
        self.page: Page = context.new_page()
        self.console_errors: list[str] = []
        self.page.on("console", self._console)
        response = self.page.goto(path)
        assert response is not None and response.status == 200, path
        self.policy = response.headers.get("content-security-policy", "")

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text:
            self.console_errors.append(message.text)

    def directive(self, name: str) -> list[str]:
        for part in self.policy.split(";"):
            words = part.split()
            if words and words[0] == name:
                return words[1:]
        raise AssertionError(f"no {name} in {self.policy!r}")

    def assert_strict_and_clean(self) -> None:
        script_src = self.directive("script-src")
        assert script_src == ["'self'"], self.policy
        assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
        assert self.directive("frame-ancestors") == ["'none'"]
        violations = self.page.evaluate("window.__cspViolations")
        assert violations == [], violations
        assert self.console_errors == [], self.console_errors


def _assert_htmx_safe(page: Page) -> None:
    config = page.evaluate("({eval: htmx.config.allowEval, tags: htmx.config.allowScriptTags})")
    assert config == {"eval": False, "tags": False}


def test_public_pages_run_under_the_policy_and_stay_live(
    staff_context: BrowserContext, world: World, match: Event
) -> None:
    for path in ("/day/?tz=UTC", f"/events/{match.pk}/", "/competitions/premier-league/"):
        watched = Watched(staff_context, path)
        expect(watched.page.locator("#live-status")).to_have_attribute(
            "data-state", "live", timeout=CONNECT
        )
        watched.assert_strict_and_clean()

    home = Watched(staff_context, "/")
    expect(home.page.locator("#live-status")).to_have_attribute(
        "data-state", "live", timeout=CONNECT
    )
    _assert_htmx_safe(home.page)
    services.record_score(event=match.pk, side="home", player="Saka")
    expect(home.page.locator(f"#event-row-{match.pk} .score.home")).to_have_text(
        "1", timeout=WITHIN
    )
    home.assert_strict_and_clean()


def test_the_console_runs_under_the_policy_and_stays_live(
    staff_context: BrowserContext, match: Event
) -> None:
    console = Watched(staff_context, f"/console/?event={match.pk}")
    expect(console.page.locator("#live-status")).to_have_text("live", timeout=CONNECT)
    _assert_htmx_safe(console.page)
    services.record_score(event=match.pk, side="away", player="Palmer")
    expect(console.page.locator(f"#card-{match.pk} .card-line .sc").last).to_have_text(
        "1", timeout=WITHIN
    )
    console.assert_strict_and_clean()


def test_the_admin_change_form_runs_under_the_policy(
    staff_context: BrowserContext, match: Event
) -> None:
    admin = Watched(staff_context, f"/admin/scoreboard/event/{match.pk}/change/")
    expect(admin.page.locator("#event_form")).to_be_visible()
    # The admin's own scripts ran: the incident inline's "add another" link exists.
    expect(admin.page.locator(".add-row a").first).to_be_visible()
    # "Finish" asks first (a data-confirm handler from a file, not an inline onclick).
    asked: list[str] = []
    admin.page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    admin.page.locator("button.finish").click()
    expect(admin.page.locator("button.finish")).to_be_visible()
    assert asked and "This is final" in asked[0]
    assert Event.objects.get(pk=match.pk).status == "live"  # dismissed: nothing happened
    admin.assert_strict_and_clean()


def test_the_api_docs_run_under_the_policy(staff_context: BrowserContext) -> None:
    docs = Watched(staff_context, "/api/v1/docs/")
    expect(docs.page.locator(".swagger-ui .info .title")).to_contain_text(
        "Scoreline API", timeout=CONNECT
    )
    expect(docs.page.locator(".opblock").first).to_be_visible()
    docs.assert_strict_and_clean()
