"""Every admin action changes the world only for staff allowed to change that model
(or, for an action that deletes, to delete from it).

Personas: the console's viewer (view permissions only), the console's editor (may change
events and incidents, nothing of feeds or partners) and an operator with the change
permission of the model the action touches. Each action is posted to its changelist the
way the admin's action bar posts it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group, Permission, User
from django.test import Client
from django.utils import timezone

from scoreboard import services
from scoreboard.console.roles import EDITOR, VIEWER, setup_roles
from scoreboard.feeds.models import FieldLock, QuarantinedMessage
from scoreboard.models import Change, Competition, Event, Sport, Status, Team
from scoreboard.partners import services as partner_services
from scoreboard.partners.models import ApiKey, Partner, Webhook

pytestmark = pytest.mark.django_db


@dataclass
class Case:
    changelist: str  # admin URL of the model's changelist
    action: str
    make: Callable[[], Any]  # creates the object the action is posted for
    done: Callable[[Any], bool]  # whether the action took effect on it
    model_perm: str  # "app.model": the view/change permissions the personas get
    editor_may: bool  # the console editor's group grants this change
    operator_may: str = "change"  # the permission the action declares


def _event() -> Event:
    sport, _ = Sport.objects.get_or_create(
        slug="football", defaults={"name": "Football", "kind": "football"}
    )
    competition, _ = Competition.objects.get_or_create(
        slug="pl", defaults={"sport": sport, "name": "Premier League"}
    )
    return services.create_event(
        competition=competition,
        home=Team.objects.get_or_create(sport=sport, name="Arsenal")[0],
        away=Team.objects.get_or_create(sport=sport, name="Chelsea")[0],
        kickoff=timezone.now(),
    )


def _status(status: str) -> Callable[[Event], bool]:
    return lambda event: Event.objects.get(pk=event.pk).status == status


def _expired_attempt() -> AccessAttempt:
    attempt = AccessAttempt.objects.create(
        username="mallory",
        ip_address="203.0.113.9",
        user_agent="curl",
        http_accept="*/*",
        path_info="/admin/login/",
        get_data="",
        post_data="",
        failures_since_start=3,
    )
    # attempt_time is stamped on insert: age it afterwards, past the lockout.
    AccessAttempt.objects.filter(pk=attempt.pk).update(
        attempt_time=timezone.now() - dt.timedelta(days=2)
    )
    return attempt


def _locked_event() -> FieldLock:
    return FieldLock.objects.create(event=_event(), field="score", reason="staff correction")


def _quarantined() -> QuarantinedMessage:
    return QuarantinedMessage.objects.create(provider="simpush", raw="{}", reason="malformed")


def _key() -> ApiKey:
    partner = Partner.objects.create(name="Acme Media")
    return partner_services.create_api_key(
        partner=partner, name="prod", scopes=["read"], rate="60/min"
    ).key


def _disabled_webhook() -> Webhook:
    partner = Partner.objects.create(name="Acme Media")
    return Webhook.objects.create(
        partner=partner,
        url="https://hooks.acme.example/scores",
        secret="s" * 32,
        active=False,
        disabled_reason="disabled after 10 consecutive failures",
    )


CASES = {
    "event.postpone_selected": Case(
        "/admin/scoreboard/event/",
        "postpone_selected",
        _event,
        _status(Status.POSTPONED),
        "scoreboard.event",
        editor_may=True,
    ),
    "event.cancel_selected": Case(
        "/admin/scoreboard/event/",
        "cancel_selected",
        _event,
        _status(Status.CANCELLED),
        "scoreboard.event",
        editor_may=True,
    ),
    "event.release_overrides": Case(
        "/admin/scoreboard/event/",
        "release_overrides",
        lambda: _locked_event().event,
        lambda event: not FieldLock.objects.filter(event=event).exists(),
        "scoreboard.event",
        editor_may=True,
    ),
    "fieldlock.release": Case(
        "/admin/feeds/fieldlock/",
        "release",
        _locked_event,
        lambda lock: not FieldLock.objects.filter(pk=lock.pk).exists(),
        "feeds.fieldlock",
        editor_may=False,
    ),
    "quarantinedmessage.retry": Case(
        "/admin/feeds/quarantinedmessage/",
        "retry",
        _quarantined,
        lambda item: QuarantinedMessage.objects.get(pk=item.pk).retried_at is not None,
        "feeds.quarantinedmessage",
        editor_may=False,
    ),
    "apikey.revoke": Case(
        "/admin/partners/apikey/",
        "revoke",
        _key,
        lambda key: ApiKey.objects.get(pk=key.pk).revoked_at is not None,
        "partners.apikey",
        editor_may=False,
    ),
    "accessattempt.cleanup_expired_attempts": Case(
        "/admin/axes/accessattempt/",
        "cleanup_expired_attempts",
        _expired_attempt,
        lambda attempt: not AccessAttempt.objects.filter(pk=attempt.pk).exists(),
        "axes.accessattempt",
        editor_may=False,
        operator_may="delete",
    ),
    "webhook.enable": Case(
        "/admin/partners/webhook/",
        "enable",
        _disabled_webhook,
        lambda hook: Webhook.objects.get(pk=hook.pk).active,
        "partners.webhook",
        editor_may=False,
    ),
}


def _grant(user: User, *codenames: str) -> None:
    for dotted in codenames:
        app_label, codename = dotted.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )


def _persona(name: str, case: Case) -> User:
    setup_roles()
    app_label, model = case.model_perm.split(".")
    user = User.objects.create_user(name, password="match-day-2026", is_staff=True)
    if name == "viewer":
        user.groups.add(Group.objects.get(name=VIEWER))
        _grant(user, f"{app_label}.view_{model}")  # reaches the list, may not change it
    elif name == "editor":
        user.groups.add(Group.objects.get(name=EDITOR))
        _grant(user, f"{app_label}.view_{model}")
    else:  # operator: the permission the action declares, on this very model
        _grant(user, f"{app_label}.view_{model}", f"{app_label}.{case.operator_may}_{model}")
    return User.objects.get(pk=user.pk)  # drop the permission cache


def _post_action(user: User, case: Case) -> tuple[int, Any, int]:
    """Post the action as `user`: (status, the object, changes logged before the post)."""
    client = Client()
    client.force_login(user)
    # Made after signing in: a login clears expired lockout attempts by itself.
    obj = case.make()
    listing = client.get(case.changelist)
    assert listing.status_code == 200  # every persona can at least read the list
    changes_before = Change.objects.count()
    response = client.post(
        case.changelist,
        {"action": case.action, "_selected_action": [obj.pk], "index": 0},
    )
    return response.status_code, obj, changes_before


def _expected(persona: str, case: Case) -> bool:
    return persona == "operator" or (persona == "editor" and case.editor_may)


@pytest.mark.parametrize("persona", ["viewer", "editor", "operator"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_it_applies_an_admin_action_only_with_the_change_permission(
    name: str, persona: str
) -> None:
    case = CASES[name]
    status, obj, changes_before = _post_action(_persona(persona, case), case)
    assert status in (200, 302)
    allowed = _expected(persona, case)
    assert case.done(obj) is allowed, f"{persona} ran {name}: expected applied={allowed}"
    if not allowed:
        assert Change.objects.count() == changes_before  # nothing logged in their name


def test_it_covers_every_action_the_admin_registers() -> None:
    from django.contrib import admin

    registered = {
        f"{model._meta.model_name}.{action if isinstance(action, str) else action.__name__}"
        for model, model_admin in admin.site._registry.items()
        for action in model_admin.actions or ()
    }
    assert registered == set(CASES)
