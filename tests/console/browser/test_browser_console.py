"""Two editors on the console and a fan on the public page, all live (issue 6, 1 and 4)."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import BrowserContext, Page, expect

from scoreboard.models import Event

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


class Within:
    """One deadline shared by several expectations: "all of these within `seconds`".

    The clock starts when the entering console has its answer (the change is saved):
    on this shared 2-core machine a loaded server may take longer than that to save.
    """

    def __init__(self, seconds: float = 1.0) -> None:
        self.deadline = time.monotonic() + seconds

    @property
    def ms(self) -> float:
        return max(1.0, (self.deadline - time.monotonic()) * 1000)


def _console(context: BrowserContext, event: Event) -> Page:
    page = context.new_page()
    page.goto(f"/console/?event={event.pk}")
    expect(page.locator("#live-status")).to_have_text("live")
    return page


def _public(context: BrowserContext, event: Event) -> Page:
    page = context.new_page()
    page.goto(f"/events/{event.pk}/")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    return page


def _card_scores(page: Page, event: Event) -> object:
    return page.locator(f"#card-{event.pk} .card-line .sc")


def _public_scores(page: Page, event: Event) -> object:
    return page.locator(f"#event-header-{event.pk} .eh-score .score")


def test_it_shows_a_goal_entered_in_one_console_in_the_other_and_on_the_public_page(
    session_for: Callable[..., BrowserContext],
    editor: User,
    editor2: User,
    make_event: Callable[..., Event],
) -> None:
    event = make_event()
    erin = _console(session_for(editor), event)
    eddie = _console(session_for(editor2), event)
    fan = _public(session_for(None, width=420, height=860), event)
    # Presence: each editor sees the other has this event open.
    expect(eddie.locator(f"#card-{event.pk} .presence .who", has_text="erin")).to_be_visible()
    expect(erin.locator(f"#card-{event.pk} .presence .who", has_text="eddie")).to_be_visible()

    # A first change (also warms the fresh server's publish path): stop the clock.
    erin.keyboard.press("c")
    expect(erin.locator("#toast")).to_contain_text("Clock stopped")
    expect(eddie.locator(f"#card-{event.pk} .clock")).not_to_have_class("clock is-running")
    expect(eddie.locator("#panel-controls .b-clock")).to_contain_text("Start clock")

    erin.fill("#qf-player", "Saka")
    erin.fill("#qf-minute", "23")
    erin.locator("#qf-minute").press("Escape")
    erin.keyboard.press("h")  # shortcut: goal home
    expect(erin.locator("#toast")).to_contain_text("Goal Arsenal Saka 23'")

    within = Within(1.0)
    expect(_card_scores(eddie, event)).to_have_text(["1", "0"], timeout=within.ms)
    expect(_public_scores(fan, event)).to_have_text(["1", "0"], timeout=within.ms)
    expect(eddie.locator("#panel-timeline")).to_contain_text("Saka", timeout=within.ms)
    expect(fan.locator(f"#event-timeline-{event.pk}")).to_contain_text("Saka")
    expect(erin.locator("#panel-audit tbody tr").first).to_contain_text("erin")
    expect(erin.locator("#panel-audit tbody tr").first).to_contain_text("Console")


def test_it_strikes_a_disallowed_goal_through_with_its_reason_on_the_public_page(
    session_for: Callable[..., BrowserContext],
    editor: User,
    editor2: User,
    make_event: Callable[..., Event],
) -> None:
    event = make_event()
    erin = _console(session_for(editor), event)
    eddie = _console(session_for(editor2), event)
    fan = _public(session_for(None), event)
    erin.fill("#qf-player", "Saka")
    erin.click("#panel-controls button.b-score.home")
    expect(erin.locator("#toast")).to_contain_text("Goal Arsenal Saka")
    expect(_public_scores(fan, event)).to_have_text(["1", "0"])

    goal = erin.locator("#panel-timeline li.k-goal")
    goal.locator("summary").click()
    goal.locator("input[name=reason]").first.fill("VAR: offside")
    goal.locator("button.b-danger").click()
    expect(erin.locator("#toast")).to_contain_text("Removed", timeout=10_000)

    within = Within(1.0)
    expect(_public_scores(fan, event)).to_have_text(["0", "0"], timeout=within.ms)
    struck = fan.locator(f"#event-timeline-{event.pk} .is-cancelled")
    expect(struck.locator("s")).to_contain_text("Saka")
    expect(struck).to_contain_text("VAR: offside")
    expect(_card_scores(eddie, event)).to_have_text(["0", "0"], timeout=within.ms)
    expect(eddie.locator("#panel-timeline li.is-cancelled")).to_contain_text("VAR: offside")


def test_it_undoes_the_last_console_action_everywhere_within_ten_seconds(
    session_for: Callable[..., BrowserContext],
    editor: User,
    editor2: User,
    make_event: Callable[..., Event],
) -> None:
    event = make_event()
    erin = _console(session_for(editor), event)
    eddie = _console(session_for(editor2), event)
    fan = _public(session_for(None), event)
    erin.click("#panel-controls button.b-score.away")
    expect(_public_scores(fan, event)).to_have_text(["0", "1"])
    expect(_card_scores(eddie, event)).to_have_text(["0", "1"])
    expect(erin.locator("#toast .b-undo")).to_be_visible()

    erin.keyboard.press("u")  # shortcut: undo
    expect(erin.locator("#toast")).to_contain_text("Undone")

    within = Within(1.0)
    expect(_public_scores(fan, event)).to_have_text(["0", "0"], timeout=within.ms)
    expect(_card_scores(eddie, event)).to_have_text(["0", "0"], timeout=within.ms)
    expect(_card_scores(erin, event)).to_have_text(["0", "0"])
    expect(fan.locator(f"#event-timeline-{event.pk} .is-cancelled")).to_contain_text("undone")
    # The undo button is gone once used; the window is 10 s.
    expect(erin.locator("#toast .b-undo")).to_have_count(0)


def test_it_applies_shortcuts_pressed_in_quick_succession_in_order(
    session_for: Callable[..., BrowserContext], editor: User, make_event: Callable[..., Event]
) -> None:
    event = make_event()
    erin = _console(session_for(editor), event)

    erin.keyboard.press("c")  # stop the clock
    erin.keyboard.press("a")  # goal away, pressed before the first answer is back

    expect(_card_scores(erin, event)).to_have_text(["0", "1"])
    expect(erin.locator("#panel-messages .conflict")).to_have_count(0)
    event.refresh_from_db()
    assert (event.clock_running, event.away_score, event.version) == (False, 1, 4)
