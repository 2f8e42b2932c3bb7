"""Resume beyond the replay window (issue 3, acceptance 2, snapshot path): the server
says resync and the page refetches its live region over HTTP."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from scoreboard import services
from tests.live.pages_world import build_world
from tests.support.asgi_server import AsgiServer

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CONNECT = 15000
RECONNECT = 30000


@pytest.fixture(scope="module")
def small_window_server(asgi_server_factory: Callable[..., AsgiServer]) -> AsgiServer:
    # A replay window of 2 changes: missing 3 forces the snapshot (resync) path.
    return asgi_server_factory(env={"LIVE_REPLAY_WINDOW": "2"})


@pytest.mark.parametrize("kind", ["live-now", "event"])
def test_it_resyncs_when_the_gap_exceeds_the_replay_window(
    page: Page, small_window_server: AsgiServer, editor, kind: str
) -> None:
    world = build_world()
    match = world.live("Arsenal", "Chelsea")
    path = "/" if kind == "live-now" else f"/events/{match.pk}/"
    page.goto(small_window_server.url + path)
    status = page.locator("#live-status")
    expect(status).to_have_attribute("data-state", "live", timeout=CONNECT)
    page.evaluate("window.__sameDocument = true")
    refetches: list[str] = []
    page.on(
        "request",
        lambda r: refetches.append(r.url) if r.headers.get("hx-target") == "live-region" else None,
    )

    small_window_server.stop()
    expect(status).not_to_have_attribute("data-state", "live")

    def three_goals() -> None:
        for side in ("home", "away", "home"):
            services.record_score(event=match.pk, side=side, player=f"{side} scorer")

    editor(three_goals)
    small_window_server.start()

    expect(status).to_have_attribute("data-state", "live", timeout=RECONNECT)
    root = f"#event-row-{match.pk}" if kind == "live-now" else f"#event-header-{match.pk}"
    expect(page.locator(f"{root} .score.home")).to_have_text("2")
    expect(page.locator(f"{root} .score.away")).to_have_text("1")
    assert refetches, "expected the resync path (region refetch over HTTP)"
    assert page.evaluate("window.__sameDocument") is True
