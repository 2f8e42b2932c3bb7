"""Fragments: one render per change, the same partials as the page, out of band."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from scoreboard import services
from scoreboard.live.fragments import forget_feed_health, render_fragments
from scoreboard.templatetags.scoreline import SCORE_SEP
from tests.live.pages_world import World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


def roots(html: str) -> list[str]:
    """The ids of the top-level out-of-band roots of a fragment."""
    return re.findall(r'<(?:div|section) id="([^"]+)" hx-swap-oob="true"', html)


def test_it_renders_the_row_and_the_detail_regions_out_of_band(world: World) -> None:
    event = world.live("Arsenal", "Chelsea")
    event = services.record_score(event=event, side="home", player="Saka")

    fragments = render_fragments(event.pk)

    assert roots(fragments.row) == [f"event-row-{event.pk}"]
    assert roots(fragments.detail) == [
        f"event-header-{event.pk}",
        f"event-periods-{event.pk}",
        f"event-timeline-{event.pk}",
    ]
    for html in (fragments.row, fragments.detail):
        assert f'data-event="{event.pk}" data-version="{event.version}" data-status="live"' in html
    assert 'data-clock-running="true"' in fragments.row
    assert "Saka" in fragments.detail


def test_it_pushes_what_a_fresh_page_shows(client: Client, world: World) -> None:
    # Verify-action style: a pushed fragment equals the page's own partial.
    event = world.live("Arsenal", "Chelsea")
    event = services.record_score(event=event, side="away", player="Palmer")

    pushed = render_fragments(event.pk).row.replace(' hx-swap-oob="true"', "")
    page = client.get("/", headers={"HX-Request": "true", "HX-Target": "live-region"})

    def squash(html: str) -> str:
        return re.sub(r"\s+", " ", html)

    assert squash(pushed) in squash(page.content.decode())


def test_it_serves_fragments_for_healing(client: Client, world: World) -> None:
    event = world.live("Arsenal", "Chelsea")
    services.record_score(event=event, side="home", player="Saka")

    row = client.get(f"/events/{event.pk}/fragment/?part=row")
    detail = client.get(f"/events/{event.pk}/fragment/?part=detail")

    assert row.status_code == 200 and detail.status_code == 200
    assert row["Cache-Control"] == "no-store"
    assert roots(row.content.decode()) == [f"event-row-{event.pk}"]
    assert len(roots(detail.content.decode())) == 3
    assert client.get(f"/events/{event.pk}/fragment/?part=nope").status_code == 404


def test_it_renders_fragments_in_a_fixed_number_of_queries(
    world: World, django_assert_num_queries: object
) -> None:
    event = world.live("Arsenal", "Chelsea")
    for n in range(5):
        services.record_score(event=event, side="home", player=f"Scorer {n}")

    forget_feed_health()
    # event, incidents, feed health (in a savepoint)
    with django_assert_num_queries(5):  # type: ignore[operator]
        render_fragments(event.pk)
    # The feed-health answer is shared for a second: the next change costs two.
    with django_assert_num_queries(2):  # type: ignore[operator]
        render_fragments(event.pk)


def test_a_timeline_entry_shows_what_its_incident_is_now(world: World) -> None:
    # Entries are kept rendered between changes: a corrected one must not show as it was.
    event = world.live("Arsenal", "Chelsea")
    services.record_score(event=event, side="home", player="Havertz")
    services.record_score(event=event, side="home", player="Saka")
    before = render_fragments(event.pk).detail
    havertz = event.incidents.get(player="Havertz")

    services.remove_incident(incident=havertz, reason="Offside (VAR)")
    after = render_fragments(event.pk).detail

    def entry(html: str, player: str) -> str:
        pk = event.incidents.get(player=player).pk
        return re.search(rf'<li [^>]*id="incident-{pk}".*?</li>', html, re.S).group(0)

    assert "is-cancelled" not in entry(before, "Havertz")
    assert "is-cancelled" in entry(after, "Havertz")
    assert "Cancelled: Offside (VAR)" in entry(after, "Havertz")
    # Saka's goal no longer made it 2-0: its running score changed with the correction.
    assert f"2{SCORE_SEP}0" in entry(before, "Saka") and f"1{SCORE_SEP}0" in entry(after, "Saka")


def test_a_pushed_row_counts_red_cards_and_marks_a_goal_as_the_page_does(
    client: Client, world: World
) -> None:
    # The list page counts in SQL; a pushed row counts from the timeline it loads.
    event = world.live("Arsenal", "Chelsea")
    services.add_incident(event=event, kind="red_card", side="away", player="Caicedo")
    services.add_incident(event=event, kind="red_card", side="away", player="James")
    overturned = services.add_incident(event=event, kind="red_card", side="home", player="Rice")
    services.remove_incident(incident=overturned, reason="VAR")
    services.record_score(event=event, side="home", player="Saka")

    pushed = render_fragments(event.pk).row

    assert 'data-red="0-2"' in pushed and 'title="2 red cards"' in pushed
    assert 'class="goal-mark"' in pushed
    page = client.get("/").content.decode()
    assert re.search(rf'<div id="event-row-{event.pk}"[^>]*data-red="0-2"', page)
