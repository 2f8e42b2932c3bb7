"""Live now (`/`): every live event by sport and competition, a sport filter."""

from __future__ import annotations

import pytest
from django.test import Client

from scoreboard import services
from tests.live.pages_world import World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


def test_it_shows_live_events_with_scores_grouped_by_sport(client: Client, world: World) -> None:
    arsenal = world.live("Arsenal", "Chelsea")
    services.record_score(event=arsenal, side="home", player="Saka")
    celtics = world.live("Celtics", "Lakers", competition=world.nba)
    services.record_score(event=celtics, side="away", points=3)
    world.event("Everton", "Fulham")  # scheduled: not live
    world.result("Leeds", "Burnley", (1, 0))  # finished: not live

    html = client.get("/").content.decode()

    assert f'id="event-row-{arsenal.pk}"' in html
    assert f'id="event-row-{celtics.pk}"' in html
    assert "Everton" not in html and "Leeds" not in html
    # Without JavaScript the score is in the HTML.
    row = html[html.index(f'id="event-row-{arsenal.pk}"') :]
    assert '<span class="score home">1</span>' in row[:3000]
    # Football (display order 100) comes before basketball (200).
    assert html.index('id="sport-football"') < html.index('id="sport-basketball"')


def test_it_filters_by_sport(client: Client, world: World) -> None:
    arsenal = world.live("Arsenal", "Chelsea")
    celtics = world.live("Celtics", "Lakers", competition=world.nba)

    html = client.get("/?sport=basketball").content.decode()

    assert f'id="event-row-{celtics.pk}"' in html
    assert f'id="event-row-{arsenal.pk}"' not in html


def test_it_marks_red_cards_and_the_running_minute(client: Client, world: World) -> None:
    event = world.live("Arsenal", "Chelsea")
    services.add_incident(event=event, kind="red_card", side="away", player="Caicedo")
    services.add_incident(event=event, kind="red_card", side="away", player="James")

    html = client.get("/").content.decode()

    assert 'title="2 red cards"' in html
    assert 'data-red="0-2"' in html
    assert "1&#x27;" in html  # the first minute, ticked on by the browser
    assert 'data-clock-running="true"' in html


def test_it_renders_the_resume_cursor_and_socket_topics(client: Client, world: World) -> None:
    world.live("Arsenal", "Chelsea")
    latest = services.changelog.Change.objects.order_by("-id").first()

    html = client.get("/").content.decode()

    assert f'<div id="live-cursor" data-seq="{latest.pk}"></div>' in html
    assert 'ws-connect="/ws/live/?topics=live"' in html
    assert 'hx-ext="ws,live"' in html


def test_it_renders_only_the_live_region_for_htmx(client: Client, world: World) -> None:
    world.live("Arsenal", "Chelsea")

    response = client.get("/", headers={"HX-Request": "true", "HX-Target": "live-region"})

    html = response.content.decode().strip()
    assert html.startswith('<div id="live-region"')
    assert "<html" not in html and "Arsenal" in html


def test_it_reads_in_a_fixed_number_of_queries(
    client: Client, world: World, django_assert_num_queries: object
) -> None:
    for n in range(6):
        event = world.live(f"Home {n}", f"Away {n}")
        services.add_incident(event=event, kind="red_card", side="home", player="X")
    world.live("Celtics", "Lakers", competition=world.nba)

    # cursor, events (with red cards and last goal), sports, feed health (in a savepoint)
    with django_assert_num_queries(6):  # type: ignore[operator]
        assert client.get("/").status_code == 200
