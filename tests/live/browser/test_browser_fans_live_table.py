"""A live table (issue 19, acceptance 3): a goal in a live match moves the standings on
an open competition page without a reload, and the live rows are marked."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from scoreboard import services
from tests.live.pages_world import World, build_world
from tests.support.asgi_server import AsgiServer

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CONNECT = 15000  # ms
WITHIN = 1000  # ms


@pytest.fixture
def world() -> World:
    return build_world()


def test_a_goal_moves_the_table_in_place_and_marks_the_live_rows(
    page: Page, asgi_server: AsgiServer, editor, world: World
) -> None:
    world.result("Liverpool", "Everton", (1, 0))
    match = world.live("Arsenal", "Chelsea")
    league = world.premier_league
    page.goto(asgi_server.url + f"/competitions/{league.slug}/")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live", timeout=CONNECT)
    page.evaluate("window.__sameDocument = true")
    table = page.locator(f"#standings-{league.pk}")
    first = table.locator("tbody tr").first
    expect(first.locator(".st-team")).to_have_text("Liverpool")
    expect(table.locator(".card-title")).to_contain_text("As it stands")
    arsenal = table.locator("tbody tr", has_text="Arsenal")
    expect(arsenal).to_have_class("is-live")
    expect(arsenal.locator(".live-mark")).to_have_text("Live")

    editor(services.record_score, event=match.pk, side="home", player="Saka")

    # Arsenal 3 pts, +1, 1 scored, level with Liverpool: ahead by name.
    expect(first.locator(".st-team")).to_contain_text("Arsenal", timeout=WITHIN)
    expect(first).to_have_class("is-live")
    expect(first.locator("td.pts")).to_have_text("3")
    expect(table.locator("tbody tr", has_text="Chelsea").locator("td.pts")).to_have_text("0")
    expect(table.locator("tbody tr", has_text="Liverpool")).not_to_have_class("is-live")
    assert page.evaluate("window.__sameDocument") is True
