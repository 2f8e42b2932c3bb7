"""The publisher keeps each match's timeline rendered between rounds (live/timelines.py):
what it pushes is always what the page itself renders, whatever changed in between."""

from __future__ import annotations

from collections.abc import Callable
from unittest import mock

import pytest

from scoreboard import services
from scoreboard.live.fragments import render_event_fragments, render_fragments
from scoreboard.live.publisher import round_events
from scoreboard.live.timelines import forget_timelines
from scoreboard.models import Event, Team
from scoreboard.templatetags import scoreline
from tests.live.pages_world import World, build_world, incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    forget_timelines()
    return build_world()


@pytest.fixture
def rendered_entries() -> Callable[[], int]:
    """How many timeline entries were rendered (kept ones are not) since the last call."""
    calls = mock.patch.object(scoreline, "timeline_entry", wraps=scoreline.timeline_entry)
    spy = calls.start()

    def count() -> int:
        n, spy.call_count = spy.call_count, 0
        return n

    yield count
    calls.stop()


def pushed(event: Event) -> tuple[str, str]:
    """The row and detail the publisher's next round would push for this event."""
    fragments = render_event_fragments(round_events([event.pk])[event.pk])
    return fragments.row, fragments.detail


def page(event: Event) -> tuple[str, str]:
    """The row and detail a page (or the healing endpoint) renders now."""
    fragments = render_fragments(event.pk)
    return fragments.row, fragments.detail


def kept_match(world: World, *goals: tuple[str, str]) -> Event:
    """A live match with these goals (side, scorer), pushed once: its timeline is kept."""
    event = world.live("Arsenal", "Chelsea")
    for side, player in goals:
        services.record_score(event=event, side=side, player=player)
    pushed(event)
    return event


def test_it_pushes_what_the_page_renders_through_a_match(
    world: World, rendered_entries: Callable[[], int]
) -> None:
    event = world.live("Arsenal", "Chelsea")
    steps: list[Callable[[], object]] = [
        lambda: services.record_score(event=event, side="home", player="Saka"),
        lambda: services.add_incident(event=event, kind="red_card", side="away", player="James"),
        lambda: services.record_score(event=event, side="away", player="Palmer"),
        lambda: services.change_status(event=event, status="break"),  # the "Half-time" marker
        lambda: services.change_status(event=event, status="live"),
        lambda: services.record_score(event=event, side="home", player="Rice"),
    ]
    assert pushed(event) == page(event)
    for step in steps:  # each adds one incident (a goal, a card, a period marker)
        step()
        rendered_entries()
        fragments = pushed(event)
        assert rendered_entries() == 1  # the new entry; the others were kept
        assert fragments == page(event)

    row, detail = pushed(event)
    assert "Half-time" in detail and "Rice" in detail
    assert 'data-red="0-1"' in row


def test_a_new_incident_renders_one_entry_not_the_whole_timeline(
    world: World, rendered_entries: Callable[[], int]
) -> None:
    event = kept_match(world, *[("home", f"Scorer {n}") for n in range(5)])
    rendered_entries()

    services.record_score(event=event, side="away", player="Palmer")
    _, detail = pushed(event)

    assert rendered_entries() == 1
    assert "Palmer" in detail and detail == page(event)[1]


def test_a_correction_renders_the_whole_timeline_again(
    world: World, rendered_entries: Callable[[], int]
) -> None:
    # Cancelling the first goal changes the running score of every entry after it.
    event = kept_match(world, ("home", "Havertz"), ("home", "Saka"), ("home", "Rice"))
    rendered_entries()

    services.remove_incident(incident=incident(event, "Havertz"), reason="Offside (VAR)")
    row, detail = pushed(event)

    assert rendered_entries() == event.incidents.count()  # kick-off marker and 3 goals
    assert (row, detail) == page(event)
    assert "Cancelled: Offside (VAR)" in detail and 'data-score="2-0"' in row


def test_what_is_kept_is_checked_against_the_database_not_trusted(world: World) -> None:
    # A team renamed in admin logs no change of the event: the next push still shows it.
    event = kept_match(world, ("home", "Saka"), ("away", "Palmer"))

    Team.objects.filter(name="Chelsea").update(name="Chelsea FC")
    services.record_score(event=event, side="home", player="Rice")
    _, detail = pushed(event)

    assert detail == page(event)[1]
    assert '<span class="tl-team">Chelsea FC</span>' in detail
