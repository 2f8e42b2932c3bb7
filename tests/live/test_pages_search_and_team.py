"""Search (accents and case ignored, on PostgreSQL and SQLite) and the team page."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from scoreboard import selectors
from scoreboard.models import Competition, Team, search_key
from tests.live.pages_world import World, build_world
from tests.support.embedded import embedded_env, manage

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


def test_search_key_drops_accents_and_case() -> None:
    assert search_key("  Atlético   MADRID ") == "atletico madrid"
    assert search_key("Bayern München") == "bayern munchen"
    assert search_key("ŁKS Łódź") == "łks łodz"  # Ł has no decomposition: kept, folded


def test_it_finds_teams_and_competitions_whatever_the_accents_and_case(
    client: Client, world: World
) -> None:
    world.team(world.premier_league, "Atlético Madrid")
    world.team(world.premier_league, "Bayern München")
    Competition.objects.create(sport=world.football, slug="liga", name="Primera División")

    assert [t.name for t in selectors.search("ATLETICO").teams] == ["Atlético Madrid"]
    assert [t.name for t in selectors.search("munchen").teams] == ["Bayern München"]
    assert [c.name for c in selectors.search("divisíon").competitions] == ["Primera División"]
    assert selectors.search("a").teams == []  # too short to mean anything

    page = client.get("/search/", {"q": "atlé"}).content.decode()
    assert 'href="/teams/atletico-madrid/"' in page
    suggestions = client.get(
        "/search/", {"q": "atl"}, headers={"HX-Request": "true", "HX-Target": "search-suggestions"}
    ).content.decode()
    assert "<html" not in suggestions and "Atlético Madrid" in suggestions


def test_the_search_name_follows_a_renamed_team(world: World) -> None:
    team = world.team(world.premier_league, "Atletico")
    team.name = "Club Atlético"
    team.save(update_fields=["name"])
    team.refresh_from_db()
    assert team.search_name == "club atletico"
    assert team.slug == "atletico"  # addresses do not move with a rename


def test_team_slugs_never_collide(world: World) -> None:
    first = world.team(world.premier_league, "Rangers")
    second = Team.objects.create(sport=world.basketball, name="Rangers")
    assert (first.slug, second.slug) == ("rangers", "rangers-basketball")


def test_the_team_page_lists_live_fixtures_results_and_competitions(
    client: Client, world: World
) -> None:
    live = world.live("Arsenal", "Chelsea")
    world.result("Liverpool", "Arsenal", (1, 0))
    world.event("Arsenal", "Everton")
    world.event("Tottenham", "Fulham")  # not Arsenal's

    page = client.get("/teams/arsenal/").content.decode()

    assert f'id="event-row-{live.pk}"' in page
    assert "Everton" in page and "Liverpool" in page and "Tottenham" not in page
    assert 'ws-connect="/ws/live/?topics=team.' in page
    assert client.get("/teams/nobody/").status_code == 404


def test_followed_matches_lead_the_page_from_the_cookie(client: Client, world: World) -> None:
    other = world.live("Brentford", "Everton")
    mine = world.live("Arsenal", "Chelsea")
    client.cookies["follow"] = f"t{mine.home_id}-junk-e"

    page = client.get("/").content.decode()

    assert page.index('id="my-matches"') < page.index(f'id="event-row-{mine.pk}"')
    assert page.index(f'id="event-row-{mine.pk}"') < page.index(f'id="event-row-{other.pk}"')
    assert page.count(f'id="event-row-{mine.pk}"') == 1
    assert selectors.Followed.parse("t1-e2-x3-t") == selectors.Followed(
        frozenset({1}), frozenset({2})
    )


@pytest.mark.slow
def test_search_ignores_accents_and_case_on_sqlite(tmp_path: Path) -> None:
    env = embedded_env(tmp_path / "search.sqlite3")
    manage(env, "migrate", "--no-input", "-v0")
    script = (
        "from scoreboard.models import Sport, Team; from scoreboard import selectors;"
        "s = Sport.objects.create(slug='football', name='Football', kind='football');"
        "Team.objects.create(sport=s, name='Atlético Madrid');"
        "print([t.name for t in selectors.search('ATLETICO').teams],"
        " [t.slug for t in selectors.search('atlé').teams])"
    )
    output = manage(env, "shell", "-c", script)
    assert output.strip().splitlines()[-1] == "['Atlético Madrid'] ['atletico-madrid']"
