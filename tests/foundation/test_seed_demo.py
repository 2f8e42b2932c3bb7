"""`seed_demo`: realistic demo data, written through the services, idempotent."""

from __future__ import annotations

import hashlib
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count

from scoreboard.models import (
    Change,
    Competition,
    Event,
    Incident,
    ProviderMapping,
    Source,
    Sport,
    Status,
    Team,
)

MODELS = [Sport, Competition, Team, Event, Incident, Change, ProviderMapping]


def digest() -> dict[str, tuple[int, str]]:
    """Row count and a hash of every row of every live-world model."""
    result = {}
    for model in MODELS:
        rows = model.objects.order_by("pk").values_list()
        result[model.__name__] = (len(rows), hashlib.sha256(repr(list(rows)).encode()).hexdigest())
    users = (
        get_user_model()
        .objects.order_by("pk")
        .values_list("username", "is_staff", "is_superuser", "is_active")
    )
    result["User"] = (len(users), repr(list(users)))
    return result


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_it_seeds_once_and_leaves_the_same_data_when_run_again(settings) -> None:
    settings.DEBUG = True  # the dev admin account is only planted in development
    first_output = seed()
    first = digest()
    second_output = seed()

    assert digest() == first
    assert "44 event(s) created" in first_output
    assert "0 event(s) created" in second_output
    for output in (first_output, second_output):
        assert "username: admin" in output and "password: scoreline-admin" in output

    # Realistic: four sports, competitions with seasons, ~40 events on three days.
    assert set(Sport.objects.values_list("kind", flat=True)) == {
        "football", "basketball", "ice_hockey", "tennis",
    }  # fmt: skip
    assert Competition.objects.exclude(season="").exclude(country="").count() == 9
    assert 40 <= Event.objects.count() <= 50
    days = {e.kickoff.date() for e in Event.objects.all()}
    assert len(days) >= 3
    by_status = dict(Event.objects.values_list("status").annotate(n=Count("id")))
    assert by_status[Status.LIVE] >= 8
    assert by_status[Status.FINISHED] >= 6
    assert by_status[Status.SCHEDULED] >= 10
    live_sports = set(
        Event.objects.filter(status=Status.LIVE).values_list("competition__sport__kind", flat=True)
    )
    assert live_sports == {"football", "basketball", "ice_hockey", "tennis"}
    assert Incident.objects.filter(kind="goal").exclude(player="").exists()
    assert Incident.objects.filter(kind__in=["yellow_card", "red_card"]).exists()
    assert Incident.objects.filter(kind="substitution").exists()

    # Through the services: every event's log runs 1..version with no gap.
    for event in Event.objects.all():
        versions = list(Change.objects.filter(event=event).values_list("version", flat=True))
        assert versions == list(range(1, event.version + 1))
    assert set(Change.objects.values_list("source", flat=True)) == {Source.SYSTEM}
    assert ProviderMapping.objects.filter(provider="demo").count() == Event.objects.count()
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser and admin.check_password("scoreline-admin")
