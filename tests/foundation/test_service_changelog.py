from __future__ import annotations

import pytest
from django.utils import timezone

from scoreboard import services
from scoreboard.models import Change, Competition, Sport, Team


@pytest.mark.django_db(transaction=True)
def test_it_logs_one_change_per_write_with_growing_versions() -> None:
    sport = Sport.objects.create(slug="football", name="Football", kind="football")
    comp = Competition.objects.create(sport=sport, slug="pl", name="Premier League")
    home = Team.objects.create(sport=sport, name="Arsenal")
    away = Team.objects.create(sport=sport, name="Chelsea")
    event = services.create_event(competition=comp, home=home, away=away, kickoff=timezone.now())
    services.change_status(event=event, status="live")
    event = services.record_score(event=event, side="home", player="Saka")
    assert (event.home_score, event.away_score, event.version) == (1, 0, 3)
    assert list(Change.objects.values_list("kind", "version")) == [
        ("event_created", 1),
        ("status", 2),
        ("score", 3),
    ]
