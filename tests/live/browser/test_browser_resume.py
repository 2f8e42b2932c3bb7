"""Resume without loss (issue 3, acceptance 2): a page whose socket was cut catches up
on reconnect and says "live" again; a message lost in transit is healed through the
version gap."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from scoreboard import services
from scoreboard.live.publisher import dropping_publishes
from scoreboard.models import Event
from tests.live.pages_world import World, build_world
from tests.support.asgi_server import AsgiServer

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

WITHIN = 1000  # ms
CONNECT = 15000  # ms: first connect on a busy machine
RECONNECT = 30000  # ms: server start-up plus htmx's full-jitter backoff


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def match(world: World) -> Event:
    return world.live("Arsenal", "Chelsea")


def open_live(page: Page, server: AsgiServer, path: str) -> None:
    page.goto(server.url + path)
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live", timeout=CONNECT)


def three_changes(event_id: int) -> None:
    services.record_score(event=event_id, side="home", player="Saka", minute=10)
    services.add_incident(event=event_id, kind="yellow_card", side="away", player="Caicedo")
    services.record_score(event=event_id, side="away", player="Palmer", minute=30)


def test_it_catches_up_after_the_server_restarts(
    page: Page, asgi_server: AsgiServer, editor, match: Event
) -> None:
    open_live(page, asgi_server, f"/events/{match.pk}/")
    page.evaluate("window.__sameDocument = true")

    asgi_server.stop()  # every socket drops
    expect(page.locator("#live-status")).not_to_have_attribute("data-state", "live")
    editor(three_changes, match.pk)  # made while the page is away
    asgi_server.start()

    status = page.locator("#live-status")
    expect(status).to_have_attribute("data-state", "live", timeout=RECONNECT)
    header = f"#event-header-{match.pk}"
    expect(page.locator(f"{header} .score.home")).to_have_text("1")
    expect(page.locator(f"{header} .score.away")).to_have_text("1")
    timeline = page.locator(f"#event-timeline-{match.pk}")
    for text in ("Saka", "Caicedo", "Palmer"):
        expect(timeline).to_contain_text(text)
    assert page.evaluate("window.__sameDocument") is True  # replayed, not reloaded


@pytest.mark.parametrize(
    ("path", "part"), [("/", "row"), ("/events/{id}/", "detail")], ids=["live-now", "event"]
)
def test_it_heals_a_lost_message_through_the_version_gap(
    page: Page, asgi_server: AsgiServer, editor, match: Event, path: str, part: str
) -> None:
    open_live(page, asgi_server, path.format(id=match.pk))
    heals: list[str] = []
    page.on("request", lambda r: heals.append(r.url) if "/fragment/" in r.url else None)

    def lose_one_then_change() -> list[int]:
        with dropping_publishes() as lost:
            services.record_score(event=match.pk, side="home", player="Saka")
        services.record_score(event=match.pk, side="away", player="Palmer")
        return lost

    lost = editor(lose_one_then_change)

    assert len(lost) == 1
    root = f"#event-row-{match.pk}" if part == "row" else f"#event-header-{match.pk}"
    expect(page.locator(f"{root} .score.home")).to_have_text("1", timeout=WITHIN)
    expect(page.locator(f"{root} .score.away")).to_have_text("1", timeout=WITHIN)
    expect(page.locator(root)).to_have_attribute("data-version", str(match.version + 2))
    assert any(f"/events/{match.pk}/fragment/?part={part}" in url for url in heals)


def test_it_keeps_stale_and_duplicate_frames_out(page: Page, asgi_server: AsgiServer) -> None:
    # A frame older than (or equal to) what the page shows is dropped, never applied.
    world = build_world()
    match = world.live("Arsenal", "Chelsea")
    services.record_score(event=match.pk, side="home")
    open_live(page, asgi_server, "/")
    row = page.locator(f"#event-row-{match.pk}")
    stale = row.evaluate("el => el.outerHTML.replace('data-version=\"3\"', 'data-version=\"2\"')")
    stale = stale.replace('class="score home">1<', 'class="score home">0<')

    kept = page.evaluate("html => window.scorelineLive.filterFrame(html, false)", stale)

    assert "event-row" not in kept
    expect(row.locator(".score.home")).to_have_text("1")


def test_it_applies_a_coalesced_jump_without_healing(page: Page, asgi_server: AsgiServer) -> None:
    # The hub merged versions v+1 and v+2 into one frame and says so on the cursor
    # (data-covers): a full-state fragment, not a loss, so no viewer refetches.
    world = build_world()
    match = world.live("Arsenal", "Chelsea")
    open_live(page, asgi_server, "/")
    heals: list[str] = []
    page.on("request", lambda r: heals.append(r.url) if "/fragment/" in r.url else None)
    row = page.locator(f"#event-row-{match.pk}")
    have = match.version
    jumped = row.evaluate(
        '(el, v) => el.outerHTML.replace(`data-version="${v}"`, `data-version="${v + 2}"`)',
        have,
    )
    cursor = '<div id="live-cursor" hx-swap-oob="true" data-seq="999999" data-covers="{}"></div>'

    covered = page.evaluate(
        "html => window.scorelineLive.filterFrame(html, false)",
        jumped + cursor.format(f"{match.pk}:{have + 1}"),
    )
    uncovered = page.evaluate(
        "html => window.scorelineLive.filterFrame(html, false)",
        jumped + cursor.format(f"{match.pk}:{have + 2}"),  # v+1 never reached the hub
    )

    assert f'id="event-row-{match.pk}"' in covered
    assert f'id="event-row-{match.pk}"' not in uncovered
    page.wait_for_timeout(300)
    assert heals == [f"{asgi_server.url}/events/{match.pk}/fragment/?part=row"]
