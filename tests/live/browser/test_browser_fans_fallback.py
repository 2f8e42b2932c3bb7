"""The fallback transport (issue 19, acceptance 4): with no WebSocket in the browser the
page streams over Server-Sent Events, says so, gets a change within 2 s, and after the
connection drops and comes back it has every change (the versions say so)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from scoreboard import services
from scoreboard.models import Change, Event
from tests.live.pages_world import World, build_world
from tests.support.asgi_server import AsgiServer

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CONNECT = 15000  # ms
WITHIN = 2000  # ms: the acceptance bound for the fallback
RECONNECT = 30000  # ms: server start-up plus the backoff

NO_WEBSOCKET = "delete window.WebSocket; window.WebSocket = undefined;"


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def no_websocket_page(page: Page) -> Page:
    page.context.add_init_script(NO_WEBSOCKET)  # before any of the page's scripts
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    page.sockets = sockets  # type: ignore[attr-defined]
    return page


def test_without_websockets_changes_arrive_over_sse_and_nothing_is_missed(
    no_websocket_page: Page, asgi_server: AsgiServer, editor, world: World
) -> None:
    page = no_websocket_page
    match: Event = world.live("Arsenal", "Chelsea")
    streams: list[str] = []
    page.on("request", lambda r: streams.append(r.url) if "/live/events/" in r.url else None)
    page.goto(asgi_server.url + f"/events/{match.pk}/")
    status = page.locator("#live-status")
    expect(status).to_have_attribute("data-state", "live", timeout=CONNECT)
    expect(status).to_have_attribute("data-transport", "sse")
    expect(status.locator(".label")).to_have_text("Live (SSE fallback)")
    assert page.evaluate("typeof window.WebSocket") == "undefined"
    assert page.sockets == []  # type: ignore[attr-defined]
    assert any(f"topics=event.{match.pk}" in url for url in streams)
    page.evaluate("window.__sameDocument = true")
    header = page.locator(f"#event-header-{match.pk}")

    editor(services.record_score, event=match.pk, side="home", player="Saka")
    expect(header.locator(".score.home")).to_have_text("1", timeout=WITHIN)
    expect(header).to_have_attribute("data-version", str(match.version + 1))

    seen = Change.objects.filter(event=match).latest("id").pk
    asgi_server.stop()  # the stream drops
    expect(status).not_to_have_attribute("data-state", "live")

    def while_away() -> Event:
        services.add_incident(event=match.pk, kind="yellow_card", side="away", player="Caicedo")
        services.record_score(event=match.pk, side="away", player="Palmer", minute=30)
        return Event.objects.get(pk=match.pk)

    final = editor(while_away)
    asgi_server.start()

    expect(status).to_have_attribute("data-state", "live", timeout=RECONNECT)
    expect(status).to_have_attribute("data-transport", "sse")
    expect(header).to_have_attribute("data-version", str(final.version))
    expect(header.locator(".score.away")).to_have_text("1")
    timeline = page.locator(f"#event-timeline-{match.pk}")
    for name in ("Saka", "Caicedo", "Palmer"):
        expect(timeline).to_contain_text(name)
    # It resumed from its cursor (the first goal's change), not from scratch.
    assert any(f"since={seen}" in url for url in streams[1:]), streams
    assert page.evaluate("window.__sameDocument") is True  # resumed, not reloaded

    # And live again after the resume.
    editor(services.record_score, event=match.pk, side="home", player="Rice")
    expect(header.locator(".score.home")).to_have_text("2", timeout=WITHIN)
    expect(header).to_have_attribute("data-version", str(final.version + 1))
