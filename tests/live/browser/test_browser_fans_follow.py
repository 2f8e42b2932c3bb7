"""Follow without an account (issue 19, acceptance 1): a fan stars a team on "Live now";
after a reload its match leads the page under "My matches", and a goal in it raises the
in-page alert within a second of the commit."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

from scoreboard import services
from scoreboard.models import Event
from tests.live.pages_world import World, build_world
from tests.support.asgi_server import AsgiServer

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CONNECT = 15000  # ms: first connect on a busy machine


@pytest.fixture
def world() -> World:
    return build_world()


def open_live(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live", timeout=CONNECT)


def test_a_followed_team_leads_live_now_and_its_goal_raises_a_toast(
    page: Page, asgi_server: AsgiServer, editor, world: World
) -> None:
    first = world.live("Brentford", "Everton")  # sorts first without following
    match: Event = world.live("Arsenal", "Chelsea")
    open_live(page, asgi_server.url + "/")
    rows = page.locator("#live-region .row")
    expect(rows.first).to_have_id(f"event-row-{first.pk}")
    expect(page.locator("#my-matches")).to_have_count(0)

    star = page.locator(f"#event-row-{match.pk} .star[data-follow-team='{match.home_id}']")
    expect(star).to_have_attribute("aria-pressed", "false")
    star.click()
    expect(star).to_have_attribute("aria-pressed", "true")
    expect(star).to_have_attribute("aria-label", "Unfollow Arsenal")
    toasts = page.locator("#alerts-toast")
    expect(toasts).to_have_attribute("aria-pressed", "false")  # off by default
    toasts.click()
    expect(toasts).to_have_attribute("aria-pressed", "true")

    page.reload()
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live", timeout=CONNECT)
    mine = page.locator("#my-matches")
    expect(mine.locator(".sport-title")).to_contain_text("My matches")
    expect(rows.first).to_have_id(f"event-row-{match.pk}")
    expect(mine.locator(f"#event-row-{match.pk}")).to_have_count(1)
    expect(page.locator(f"#event-row-{match.pk}")).to_have_count(1)  # moved, not copied

    editor(services.record_score, event=match.pk, side="home", player="Saka")
    committed = time.monotonic()
    toast = page.locator("#toasts .toast")
    expect(toast).to_have_text("Goal: Arsenal 1 \N{EN DASH} Chelsea 0", timeout=1000)
    assert time.monotonic() - committed < 1.0

    # A goal in a match nobody follows raises nothing.
    editor(services.record_score, event=first.pk, side="away", player="Calvert-Lewin")
    expect(page.locator(f"#event-row-{first.pk} .score.away")).to_have_text("1")
    expect(toast).to_have_count(1)


def test_stars_and_alert_switches_work_from_the_keyboard(
    page: Page, asgi_server: AsgiServer, world: World
) -> None:
    match = world.live("Arsenal", "Chelsea")
    open_live(page, asgi_server.url + "/")
    star = page.locator(f"#event-row-{match.pk} .star[data-follow-team='{match.away_id}']")
    toasts = page.locator("#alerts-toast")

    def tab_to(selector: str) -> None:
        for _ in range(40):
            page.keyboard.press("Tab")
            if page.evaluate("s => document.activeElement.matches(s)", selector):
                return
        raise AssertionError(f"{selector} is not reachable with Tab")

    tab_to("#alerts-toast")
    page.keyboard.press("Enter")
    expect(toasts).to_have_attribute("aria-pressed", "true")
    tab_to(f".star[data-follow-team='{match.away_id}']")
    page.keyboard.press("Space")
    expect(star).to_have_attribute("aria-pressed", "true")
    tab_to(f"#event-row-{match.pk} .row-link")
    page.keyboard.press("Enter")
    expect(page).to_have_url(asgi_server.url + f"/events/{match.pk}/")


# Records each system notification the page shows, then shows it for real.
RECORD_NOTIFICATIONS = """
(() => {
  const Real = window.Notification
  window.__notified = []
  function Recorded (title, options) {
    window.__notified.push(title + ': ' + (options && options.body))
    return new Real(title, options)
  }
  Object.defineProperty(Recorded, 'permission', { get: () => Real.permission })
  Recorded.requestPermission = (...args) => Real.requestPermission(...args)
  window.Notification = Recorded
})()
"""


def test_a_fan_who_allowed_notifications_gets_one_for_a_red_card_and_full_time(
    page: Page, asgi_server: AsgiServer, editor, world: World
) -> None:
    match = world.live("Arsenal", "Chelsea")
    page.context.grant_permissions(["notifications"], origin=asgi_server.url)
    page.context.add_init_script(RECORD_NOTIFICATIONS)
    open_live(page, asgi_server.url + f"/events/{match.pk}/")
    system = page.locator("#alerts-system")
    expect(system).to_have_attribute("aria-pressed", "false")  # off by default
    page.locator(".eh-team.away .star").click()  # follow Chelsea
    system.click()
    expect(system).to_have_attribute("aria-pressed", "true")

    editor(services.add_incident, event=match.pk, kind="red_card", side="home", player="Rice")
    editor(services.change_status, event=match.pk, status="finished")

    expect(page.locator(f"#event-header-{match.pk}")).to_have_attribute("data-status", "finished")
    notified = page.evaluate("window.__notified")
    assert notified == [
        "Scoreline: Red card: Arsenal 0 \N{EN DASH} Chelsea 0",
        "Scoreline: Full time: Arsenal 0 \N{EN DASH} Chelsea 0",
    ]
    expect(page.locator("#toasts .toast")).to_have_count(0)  # in-page alerts stay off
