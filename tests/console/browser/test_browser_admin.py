"""Two admin tabs on one event: the second save is refused, nothing is lost (issue 6, 2)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import BrowserContext, expect

from scoreboard.models import Change, Event

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_it_refuses_the_second_admin_save_and_reapplies_it_on_the_current_state(
    session_for: Callable[..., BrowserContext],
    editor: User,
    editor2: User,
    make_event: Callable[..., Event],
) -> None:
    event = make_event()
    url = f"/admin/scoreboard/event/{event.pk}/change/"
    first = session_for(editor2).new_page()
    second = session_for(editor).new_page()
    first.goto(url)
    second.goto(url)

    first.fill("#id_away_score", "2")
    first.fill("#id_reason", "two goals missed")
    first.click("input[name=_continue]")
    expect(first.locator(".messagelist .success")).to_be_visible()

    second.fill("#id_venue", "Wembley")
    second.click("input[name=_continue]")

    box = second.locator(".conflict-box")
    expect(box).to_contain_text("Not saved")
    expect(box).to_contain_text("Score set to 0-2 (two goals missed)")
    expect(box).to_contain_text("eddie")
    expect(box).to_contain_text("venue = Wembley")
    expect(second.locator(".errorlist")).to_contain_text("changed since you opened it")
    event.refresh_from_db()
    assert (event.venue, event.away_score) == ("", 2)
    changes = Change.objects.filter(event=event).count()

    box.locator("button.reapply").click()

    expect(second.locator(".messagelist li")).to_contain_text("Re-applied your edit (venue)")
    expect(second.locator("#id_venue")).to_have_value("Wembley")
    expect(second.locator("#id_away_score")).to_have_value("2")
    event.refresh_from_db()
    assert (event.venue, event.home_score, event.away_score) == ("Wembley", 0, 2)
    assert Change.objects.filter(event=event).count() == changes + 1
