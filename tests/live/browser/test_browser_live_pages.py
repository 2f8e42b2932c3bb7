"""Each page kind is live: a change made through the service layer shows in the open
page within 1 s, without a reload (issue 3, acceptance 1)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from scoreboard import services
from scoreboard.models import Event
from tests.live.pages_world import World, build_world
from tests.support.asgi_server import AsgiServer

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

WITHIN = 1000  # ms: the acceptance bound for a change to reach the page
CONNECT = 15000  # ms: page load and first socket connect on a busy machine


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def match(world: World) -> Event:
    return world.live("Arsenal", "Chelsea")


def open_live(page: Page, server: AsgiServer, path: str) -> None:
    page.goto(server.url + path)
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live", timeout=CONNECT)


def score_of(page: Page, root: str) -> tuple[str, str]:
    return (
        page.locator(f"{root} .score.home").inner_text(),
        page.locator(f"{root} .score.away").inner_text(),
    )


@pytest.mark.parametrize(
    "path",
    ["/", "/day/?tz=UTC", "/competitions/premier-league/"],
    ids=["live-now", "by-day", "competition"],
)
def test_it_shows_a_new_score_on_a_list_page_without_reload(
    page: Page, asgi_server: AsgiServer, editor, match: Event, path: str
) -> None:
    open_live(page, asgi_server, path)
    row = f"#event-row-{match.pk}"
    page.evaluate("window.__sameDocument = true")

    editor(services.record_score, event=match.pk, side="home", player="Saka")

    expect(page.locator(f"{row} .score.home")).to_have_text("1", timeout=WITHIN)
    expect(page.locator(row)).to_have_class(re.compile(r"\bscore-changed\b"))  # flashes
    expect(page.locator(f"{row} .goal-mark")).to_be_visible()
    assert score_of(page, row) == ("1", "0")
    assert page.evaluate("window.__sameDocument") is True  # no reload happened
    expect(page.locator(row)).to_have_attribute("data-version", str(match.version + 1))


def test_it_shows_a_goal_in_the_event_header_and_timeline(
    page: Page, asgi_server: AsgiServer, editor, match: Event
) -> None:
    open_live(page, asgi_server, f"/events/{match.pk}/")
    timeline = page.locator(f"#event-timeline-{match.pk} .tl-item")
    before = timeline.count()
    page.evaluate("window.__sameDocument = true")

    editor(services.record_score, event=match.pk, side="away", player="Palmer", minute=23)

    header = f"#event-header-{match.pk}"
    expect(page.locator(f"{header} .score.away")).to_have_text("1", timeout=WITHIN)
    expect(timeline).to_have_count(before + 1, timeout=WITHIN)
    expect(timeline.last).to_contain_text("Palmer")
    expect(timeline.last).to_contain_text("23'")
    assert page.evaluate("window.__sameDocument") is True


def test_it_strikes_through_a_disallowed_goal_live(
    page: Page, asgi_server: AsgiServer, editor, match: Event
) -> None:
    editor(services.record_score, event=match.pk, side="home", player="Havertz")
    open_live(page, asgi_server, f"/events/{match.pk}/")
    goal = editor(lambda: match.incidents.get(player="Havertz"))

    editor(services.remove_incident, incident=goal.pk, reason="Offside (VAR)")

    item = page.locator(f"#incident-{goal.pk}")
    expect(item).to_have_class("tl-item side-home kind-goal is-cancelled", timeout=WITHIN)
    expect(item).to_contain_text("Cancelled: Offside (VAR)")
    expect(page.locator(f"#event-header-{match.pk} .score.home")).to_have_text("0")


def test_it_takes_a_finished_event_off_live_now(
    page: Page, asgi_server: AsgiServer, editor, world: World, match: Event
) -> None:
    other = world.live("Liverpool", "Everton")
    open_live(page, asgi_server, "/")
    expect(page.locator(".row")).to_have_count(2)

    editor(services.change_status, event=match.pk, status="finished")

    expect(page.locator(f"#event-row-{match.pk}")).to_have_attribute(
        "data-status", "finished", timeout=WITHIN
    )
    expect(page.locator(f"#event-row-{match.pk}")).to_have_count(0, timeout=4000)
    expect(page.locator(f"#event-row-{other.pk}")).to_be_visible()


def test_it_adds_an_event_that_goes_live_to_live_now(
    page: Page, asgi_server: AsgiServer, editor, world: World, match: Event
) -> None:
    fixture = world.event("Liverpool", "Everton")
    open_live(page, asgi_server, "/")

    editor(services.change_status, event=fixture.pk, status="live")

    expect(page.locator(f"#event-row-{fixture.pk}")).to_be_visible(timeout=2000)


def test_it_moves_a_fixture_between_day_pages_when_its_kickoff_moves(
    page: Page, asgi_server: AsgiServer, editor, world: World
) -> None:
    day = timezone.now().date() + dt.timedelta(days=2)
    kickoff = dt.datetime.combine(day, dt.time(15), tzinfo=dt.UTC)
    fixture = world.event("Liverpool", "Everton", kickoff=kickoff)
    stays = world.event("Fulham", "Wolves", kickoff=kickoff)
    later = page.context.new_page()
    open_live(page, asgi_server, f"/day/{day.isoformat()}/?tz=UTC")
    open_live(later, asgi_server, f"/day/{(day + dt.timedelta(days=1)).isoformat()}/?tz=UTC")
    row = f"#event-row-{fixture.pk}"
    expect(page.locator(row)).to_be_visible()
    expect(later.locator(row)).to_have_count(0)
    page.evaluate("window.__sameDocument = true")

    editor(services.update_event_details, event=fixture.pk, kickoff=kickoff + dt.timedelta(days=1))

    expect(page.locator(row)).to_have_count(0, timeout=2000)  # left the day it was on
    expect(later.locator(row)).to_be_visible(timeout=2000)  # joined the new day
    expect(page.locator(f"#event-row-{stays.pk}")).to_be_visible()
    assert page.evaluate("window.__sameDocument") is True


def test_it_ticks_the_clock_and_freshness_in_the_browser(
    page: Page, asgi_server: AsgiServer, world: World
) -> None:
    game = world.live("Celtics", "Lakers", competition=world.nba)  # a count-down clock
    open_live(page, asgi_server, "/")
    clock = page.locator(f"#event-row-{game.pk} .js-clock")
    first = clock.inner_text()

    expect(clock).not_to_have_text(first, timeout=3000)  # no server message needed
    expect(clock).to_have_text(re.compile(r"^Q1 1[12]:\d\d$"))
    expect(page.locator(f"#event-row-{game.pk} .fresh")).to_have_text(
        re.compile(r"^updated \d+ s ago$")
    )
