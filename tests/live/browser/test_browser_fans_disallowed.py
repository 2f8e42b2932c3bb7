"""A goal disallowed is visible (issue 19, acceptance 6): the row and the event page say
"Goal disallowed", with the reason, live, while a new goal would say "Goal"."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from scoreboard import services
from scoreboard.models import Incident
from tests.live.pages_world import World, build_world
from tests.support.asgi_server import AsgiServer

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CONNECT = 15000  # ms
WITHIN = 1000  # ms


@pytest.fixture
def world() -> World:
    return build_world()


def open_live(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live", timeout=CONNECT)


def test_a_goal_taken_back_shows_goal_disallowed_on_the_row_and_the_event_page(
    page: Page, browser: Browser, asgi_server: AsgiServer, editor, world: World
) -> None:
    match = world.live("Arsenal", "Chelsea")
    goal = services.record_score(event=match.pk, side="home", player="Saka")
    assert goal is not None
    incident = Incident.objects.get(event=match, player="Saka")
    open_live(page, asgi_server.url + "/")
    row = page.locator(f"#event-row-{match.pk}")
    expect(row.locator(".goal-mark")).to_have_text("Goal")
    other = browser.new_context(timezone_id="UTC").new_page()
    try:
        open_live(other, asgi_server.url + f"/events/{match.pk}/")

        editor(services.remove_incident, incident=incident.pk, reason="Offside (VAR)")

        expect(row.locator(".goal-mark")).to_have_text(
            "Goal disallowed: Offside (VAR)", timeout=WITHIN
        )
        expect(row.locator(".score.home")).to_have_text("0")
        header = other.locator(f"#event-header-{match.pk}")
        expect(header.locator(".goal-mark.disallowed")).to_have_text(
            "Goal disallowed: Offside (VAR)", timeout=WITHIN
        )
        expect(other.locator(f"#event-timeline-{match.pk} .is-cancelled")).to_contain_text("Saka")

        # A new goal counts again: the row says "Goal".
        editor(services.record_score, event=match.pk, side="away", player="Palmer")
        expect(row.locator(".goal-mark")).to_have_text("Goal", timeout=WITHIN)
    finally:
        other.context.close()
