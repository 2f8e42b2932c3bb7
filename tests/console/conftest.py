"""Personas and events for console tests.

editor / viewer: staff in the console groups; outsider: staff in neither group;
fan: a signed-in non-staff user. Groups come from `setup_roles()` like production.
"""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone

from scoreboard import services
from scoreboard.console.roles import EDITOR, VIEWER, setup_roles
from scoreboard.models import Competition, Event, Sport, Team

PASSWORD = "match-day-2026"


def _user(username: str, *, staff: bool = True, group: str | None = None) -> User:
    user = User.objects.create_user(username, password=PASSWORD, is_staff=staff)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def roles(db: None) -> None:
    setup_roles()


@pytest.fixture
def editor(roles: None) -> User:
    return _user("erin", group=EDITOR)


@pytest.fixture
def editor2(roles: None) -> User:
    return _user("eddie", group=EDITOR)


@pytest.fixture
def viewer(roles: None) -> User:
    return _user("vic", group=VIEWER)


@pytest.fixture
def outsider(roles: None) -> User:
    return _user("oscar")


@pytest.fixture
def fan(roles: None) -> User:
    return _user("fanny", staff=False, group=EDITOR)


def client_for(user: User | None) -> Client:
    client = Client(enforce_csrf_checks=False)
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def make_event() -> Callable[..., Event]:
    """Factory: a football event, live in the first half unless `status` says otherwise."""

    def make(*, home: str = "Arsenal", away: str = "Chelsea", status: str = "live") -> Event:
        sport, _ = Sport.objects.get_or_create(
            slug="football", defaults={"name": "Football", "kind": "football"}
        )
        competition, _ = Competition.objects.get_or_create(
            slug="pl", defaults={"sport": sport, "name": "Premier League"}
        )
        event = services.create_event(
            competition=competition,
            home=Team.objects.get_or_create(sport=sport, name=home)[0],
            away=Team.objects.get_or_create(sport=sport, name=away)[0],
            kickoff=timezone.now(),
        )
        if status == "scheduled":
            return event
        return services.change_status(event=event, status=status)

    return make


class _FormScraper(HTMLParser):
    """Collects the fields of one <form> as a browser would post them unchanged."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id, self.inside, self.data = form_id, False, {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside or (not a.get("name") and tag != "option"):
            return
        if tag == "input" and a.get("type") not in ("submit", "button", "checkbox"):
            self.data.setdefault(a["name"], []).append(a.get("value", ""))
        elif tag == "input" and a.get("type") == "checkbox" and "checked" in a:
            self.data.setdefault(a["name"], []).append(a.get("value", "on"))
        elif tag == "select":
            self._select = a["name"]
            self.data.setdefault(self._select, [])
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select] = [a.get("value", "")]
        elif tag == "textarea":
            self._textarea = a["name"]
            self.data[self._textarea] = [""]

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea][0] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_data(html: str, form_id: str = "event_form") -> dict[str, list[str]]:
    scraper = _FormScraper(form_id)
    scraper.feed(html)
    return {k: [v.removeprefix("\n") for v in vs] for k, vs in scraper.data.items()}
