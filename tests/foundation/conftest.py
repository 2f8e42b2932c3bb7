"""Factories and personas for the foundation tests.

Reference data (sports, competitions, teams) comes from factory_boy; events are always
created and moved THROUGH the services, like every real entry point.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from html.parser import HTMLParser

import factory
import pytest
from django.utils import timezone

from scoreboard import services
from scoreboard.models import Competition, Event, Sport, Status, Team

SPORT_NAMES = {
    "football": "Football",
    "basketball": "Basketball",
    "ice_hockey": "Ice hockey",
    "tennis": "Tennis",
}


class SportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sport
        django_get_or_create = ("slug",)

    kind = "football"
    slug = factory.LazyAttribute(lambda o: o.kind.replace("_", "-"))
    name = factory.LazyAttribute(lambda o: SPORT_NAMES[o.kind])


class CompetitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Competition

    sport = factory.SubFactory(SportFactory)
    slug = factory.Sequence(lambda n: f"competition-{n}")
    name = factory.Sequence(lambda n: f"League {n}")
    season = "2026/27"
    country = "England"


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    sport = factory.SubFactory(SportFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


@pytest.fixture
def make_event(db) -> Callable[..., Event]:
    """An event of a sport, created through the services (optionally already live)."""

    def make(kind: str = "football", *, live: bool = False, best_of: int = 3) -> Event:
        sport = SportFactory(kind=kind)
        competition = CompetitionFactory(sport=sport)
        event = services.create_event(
            competition=competition,
            home=TeamFactory(sport=sport),
            away=TeamFactory(sport=sport),
            kickoff=timezone.now() + dt.timedelta(hours=1),
            best_of=best_of,
        )
        if live:
            event = services.change_status(event=event, status=Status.LIVE)
        return event

    return make


def next_period(event: Event, period: str | None = None) -> Event:
    """End the current period and start the next one (through a break)."""
    event = services.change_status(event=event, status=Status.BREAK)
    return services.change_status(event=event, status=Status.LIVE, period=period)


def score(event: Event, side: str, times: int = 1, points: int = 1) -> Event:
    for _ in range(times):
        event = services.record_score(event=event, side=side, points=points)
    return event


@pytest.fixture
def staff_user(django_user_model):
    """Sam, a staff editor with every admin permission (logs in without a password)."""
    return django_user_model.objects.create_superuser("sam", "sam@example.com", None)


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


class _FormScraper(HTMLParser):
    """Collects what a browser would submit for the first <form method=post>."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._select_value: str | None = None
        self._first: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "form" and a.get("id") == self.form_id:
            self.inside = True
        if not self.inside or (not a.get("name") and tag != "option"):
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file", "image"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.data.setdefault(a["name"], []).append(a.get("value") or "")
        elif tag == "select":
            self._select, self._select_value, self._first = a["name"], None, None
        elif tag == "option" and self._select is not None:
            if self._first is None:
                self._first = a.get("value", "")
            if "selected" in a:
                self._select_value = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a["name"]
            self.data[a["name"]] = [""]

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea][0] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select is not None:
            chosen = self._select_value if self._select_value is not None else self._first
            self.data[self._select] = [chosen or ""]
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self.inside:
            self.inside = False


def form_data(html: str, form_id: str = "event_form") -> dict[str, list[str]]:
    """The fields of an admin change form, as the browser would post them unchanged."""
    scraper = _FormScraper(form_id)
    scraper.feed(html)
    data = scraper.data
    data.pop("_save", None)
    # Leading newline Django adds after <textarea> is not part of the value.
    return {k: [v.removeprefix("\n") for v in vs] for k, vs in data.items()}
