"""Accessibility (issue 19, acceptance 7): axe-core finds no serious or critical
violation on the public pages, in the light and the dark theme."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, expect

from scoreboard import services
from tests.live.pages_world import World, build_world
from tests.support.asgi_server import AsgiServer

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CONNECT = 15000  # ms
BLOCKING = ("serious", "critical")


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_public_pages_have_no_serious_or_critical_violations(
    browser: Browser, asgi_server: AsgiServer, world: World, scheme: str
) -> None:
    live = world.live("Arsenal", "Chelsea")
    services.record_score(event=live.pk, side="home", player="Saka")
    services.add_incident(event=live.pk, kind="red_card", side="away", player="Caicedo")
    world.result("Liverpool", "Everton", (2, 1))
    world.event("Chelsea", "Liverpool")
    world.live("Celtics", "Lakers", competition=world.nba)
    pages = {
        "live now": "/",
        "day": "/day/",
        "competition": f"/competitions/{world.premier_league.slug}/",
        "event": f"/events/{live.pk}/",
        "team": f"/teams/{live.home.slug}/",
        "search": "/search/?q=ars",
    }
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
    # Following a team: "My matches" and pressed stars are checked too.
    context.add_cookies([{"name": "follow", "value": f"t{live.home_id}", "url": asgi_server.url}])
    page = context.new_page()
    axe = Axe()
    found: dict[str, list[str]] = {}
    try:
        for name, path in pages.items():
            page.goto(asgi_server.url + path)
            if name != "search":
                status = page.locator("#live-status")
                expect(status).to_have_attribute("data-state", "live", timeout=CONNECT)
            assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") == (
                scheme == "dark"
            )
            results = axe.run(page)
            blocking = [
                f"{v['id']} ({v['impact']}): {v['help']} at "
                + "; ".join(
                    f"{n['target']} {n['any'][0]['message'] if n['any'] else ''}"
                    for n in v["nodes"][:6]
                )
                for v in results.response["violations"]
                if v["impact"] in BLOCKING
            ]
            if blocking:
                found[name] = blocking
    finally:
        context.close()
    assert found == {}, "\n".join(f"{page}: {v}" for page, vs in found.items() for v in vs)
