"""Team pages and search (issue 19, acceptance 2): three letters offer the team (accents
and case ignored), choosing it opens its page, which then updates in place; without
JavaScript the search form still finds it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from scoreboard import services
from tests.live.pages_world import World, build_world
from tests.support.asgi_server import AsgiServer

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CONNECT = 15000  # ms
WITHIN = 1000  # ms


@pytest.fixture
def world() -> World:
    return build_world()


def test_typing_offers_the_team_and_its_page_updates_live(
    page: Page, asgi_server: AsgiServer, editor, world: World
) -> None:
    match = world.live("Atlético Madrid", "Real Sociedad")
    world.result("Atlético Madrid", "Girona", (2, 0))
    page.goto(asgi_server.url + "/day/")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live", timeout=CONNECT)

    page.locator("#site-search").press_sequentially("atl")  # no accent, lower case
    offer = page.locator("#search-suggestions a", has_text="Atlético Madrid")
    expect(offer).to_be_visible()
    page.evaluate("window.__sameDocument = true")
    offer.click()

    expect(page).to_have_url(asgi_server.url + "/teams/atletico-madrid/")
    expect(page.locator("h1")).to_contain_text("Atlético Madrid")
    expect(page.locator("#search-suggestions a")).to_have_count(0)
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live", timeout=CONNECT)
    row = page.locator(f"#event-row-{match.pk}")
    expect(row).to_be_visible()
    expect(page.locator(".card", has_text="Last results")).to_contain_text("Girona")
    expect(page.locator(".card", has_text="Competitions")).to_contain_text("Premier League")

    editor(services.record_score, event=match.pk, side="home", player="Griezmann")

    expect(row.locator(".score.home")).to_have_text("1", timeout=WITHIN)
    assert page.evaluate("window.__sameDocument") is True  # in place, not reloaded


def test_the_search_form_works_without_javascript(
    browser: Browser, asgi_server: AsgiServer, world: World
) -> None:
    world.live("Atlético Madrid", "Real Sociedad")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(asgi_server.url + "/")
        page.locator("#site-search").fill("ATLE")
        page.locator("#site-search").press("Enter")

        expect(page).to_have_url(asgi_server.url + "/search/?q=ATLE")
        results = page.locator(".search-results")
        expect(results.locator("a", has_text="Atlético Madrid")).to_be_visible()
        results.locator("a", has_text="Atlético Madrid").click()
        expect(page).to_have_url(asgi_server.url + "/teams/atletico-madrid/")
        expect(page.locator("h1")).to_contain_text("Atlético Madrid")
    finally:
        context.close()
