"""By day (`/day/`, `/day/<date>/`): scheduled, live and finished events of a local day."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from tests.live.pages_world import World, build_world

pytestmark = pytest.mark.django_db

UTC = dt.UTC


@pytest.fixture
def world() -> World:
    return build_world()


def test_it_shows_scheduled_live_and_finished_events_of_today(client: Client, world: World) -> None:
    now = timezone.now()
    scheduled = world.event("Everton", "Fulham", kickoff=now + dt.timedelta(minutes=1))
    live = world.live("Arsenal", "Chelsea", kickoff=now)
    finished = world.result("Leeds", "Burnley", (2, 1), kickoff=now - dt.timedelta(minutes=1))
    tomorrow = world.event("Wolves", "Brentford", kickoff=now + dt.timedelta(days=1, hours=1))

    html = client.get("/day/?tz=UTC").content.decode()

    for event in (scheduled, live, finished):
        assert f'id="event-row-{event.pk}"' in html
    assert f'id="event-row-{tomorrow.pk}"' not in html
    assert 'data-status="finished"' in html and 'data-status="scheduled"' in html


def test_it_uses_the_viewers_time_zone_for_the_day(client: Client, world: World) -> None:
    # 23:30 UTC on 1 March is already 2 March in Tokyo.
    late = world.event("Arsenal", "Chelsea", kickoff=dt.datetime(2030, 3, 1, 23, 30, tzinfo=UTC))

    utc_day = client.get("/day/2030-03-01/?tz=UTC").content.decode()
    tokyo_day = client.get("/day/2030-03-02/?tz=Asia/Tokyo").content.decode()
    tokyo_first = client.get("/day/2030-03-01/?tz=Asia/Tokyo").content.decode()

    assert f'id="event-row-{late.pk}"' in utc_day
    assert f'id="event-row-{late.pk}"' in tokyo_day
    assert f'id="event-row-{late.pk}"' not in tokyo_first
    assert "08:30" in tokyo_day  # kick-off shown in Tokyo time
    # A Tokyo day spans two UTC dates: the page listens to both.
    assert "topics=day.2030-03-01%2Cday.2030-03-02" in tokyo_day


def test_it_reads_the_time_zone_from_the_cookie(client: Client, world: World) -> None:
    world.event("Arsenal", "Chelsea", kickoff=dt.datetime(2030, 3, 1, 23, 30, tzinfo=UTC))
    client.cookies["tz"] = "America/New_York"

    html = client.get("/day/2030-03-01/").content.decode()

    assert "18:30" in html
    assert "times in America/New_York" in html


def test_it_links_yesterday_today_tomorrow_and_has_a_date_picker(
    client: Client, world: World
) -> None:
    today = timezone.localdate(timezone=ZoneInfo("UTC"))

    html = client.get("/day/?tz=UTC").content.decode()

    for offset in (-1, 0, 1):
        day = (today + dt.timedelta(days=offset)).isoformat()
        assert f'href="/day/{day}/" hx-get="/day/{day}/"' in html
    assert f'<input type="date" name="date" value="{today.isoformat()}"' in html
    assert client.get(f"/day/?date={today.isoformat()}&tz=UTC").status_code == 200


def test_it_refuses_a_malformed_date(client: Client, world: World) -> None:
    assert client.get("/day/?date=yesterday").status_code == 404


def test_it_reads_in_a_fixed_number_of_queries(
    client: Client, world: World, django_assert_num_queries: object
) -> None:
    for n in range(5):
        world.result(f"Home {n}", f"Away {n}", (1, 1))
        world.live(f"Live {n}", f"Other {n}", competition=world.nba)

    # cursor, events, feed health (in a savepoint)
    with django_assert_num_queries(5):  # type: ignore[operator]
        assert client.get("/day/?tz=UTC").status_code == 200
