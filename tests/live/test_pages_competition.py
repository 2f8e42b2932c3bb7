"""Competition page: its events and a standings table computed from finished results."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.live.pages_world import World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


def standings_rows(html: str) -> list[list[str]]:
    table = html[html.index('<table class="standings">') :]
    table = table[: table.index("</table>")]
    body = table[table.index("<tbody>") :]
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
        text = (re.sub(r"<[^>]+>", "", c) for c in cells)  # tags out: links, the live mark
        rows.append([re.sub(r"\s+", " ", c).strip() for c in text])
    return rows


def test_it_computes_the_football_table_from_finished_results(client: Client, world: World) -> None:
    world.result("Arsenal", "Chelsea", (2, 1))
    world.result("Chelsea", "Liverpool", (0, 0))
    world.result("Liverpool", "Arsenal", (3, 1))
    world.event("Chelsea", "Arsenal")  # scheduled: not counted

    html = client.get("/competitions/premier-league/").content.decode()

    #            pos  team         P    W    D    L    GF   GA   GD    Pts
    assert standings_rows(html) == [
        ["1", "Liverpool", "2", "1", "1", "0", "3", "1", "+2", "4"],
        ["2", "Arsenal", "2", "1", "0", "1", "3", "4", "-1", "3"],
        ["3", "Chelsea", "2", "0", "1", "1", "1", "2", "-1", "1"],
    ]
    assert "As it stands" not in html


def test_it_counts_live_matches_as_they_stand_and_marks_them(client: Client, world: World) -> None:
    from scoreboard import services

    world.result("Liverpool", "Arsenal", (1, 0))
    live = world.live("Arsenal", "Chelsea")
    services.record_score(event=live.pk, side="home", player="Saka")

    html = client.get("/competitions/premier-league/").content.decode()

    #            pos  team            P    W    D    L    GF   GA   GD    Pts
    assert standings_rows(html) == [
        ["1", "Liverpool", "1", "1", "0", "0", "1", "0", "+1", "3"],
        ["2", "Arsenal Live", "2", "1", "0", "1", "1", "1", "0", "3"],
        ["3", "Chelsea Live", "1", "0", "0", "1", "0", "1", "-1", "0"],
    ]
    assert "As it stands" in html


def test_it_orders_level_points_by_goal_difference_then_goals(client: Client, world: World) -> None:
    world.result("Arsenal", "Chelsea", (1, 0))
    world.result("Liverpool", "Everton", (4, 0))

    rows = standings_rows(client.get("/competitions/premier-league/").content.decode())

    assert [r[1] for r in rows] == ["Liverpool", "Arsenal", "Chelsea", "Everton"]


def test_it_shows_wins_losses_and_points_for_against_in_basketball(
    client: Client, world: World
) -> None:
    world.result("Celtics", "Lakers", (3, 1), competition=world.nba)

    html = client.get("/competitions/nba/").content.decode()

    assert ">PF<" in html and ">PA<" in html and ">D<" not in html
    #            pos  team       P    W    L    PF   PA   +/-
    assert standings_rows(html) == [
        ["1", "Celtics", "1", "1", "0", "3", "1", "+2"],
        ["2", "Lakers", "1", "0", "1", "1", "3", "-2"],
    ]


def test_it_lists_live_fixtures_and_results(client: Client, world: World) -> None:
    live = world.live("Arsenal", "Liverpool")
    fixture = world.event("Chelsea", "Arsenal")
    result = world.result("Arsenal", "Chelsea", (2, 1))

    html = client.get("/competitions/premier-league/").content.decode()

    assert html.index(f"event-row-{live.pk}") < html.index(f"event-row-{fixture.pk}")
    assert html.index(f"event-row-{fixture.pk}") < html.index(f"event-row-{result.pk}")
    assert 'ws-connect="/ws/live/?topics=competition.' in html


def test_it_answers_404_for_an_unknown_competition(client: Client, world: World) -> None:
    assert client.get("/competitions/nope/").status_code == 404


def test_it_reads_in_a_fixed_number_of_queries(
    client: Client, world: World, django_assert_num_queries: object
) -> None:
    for n in range(6):
        world.result(f"Home {n}", f"Away {n}", (n % 3, 1))

    # cursor, competition, events, feed health (in a savepoint)
    with django_assert_num_queries(6):  # type: ignore[operator]
        assert client.get("/competitions/premier-league/").status_code == 200
