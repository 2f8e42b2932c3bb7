"""Console roles: the "editor" group acts, the "viewer" group watches, others get 403.

Both groups also need `is_staff` (login goes through the admin login page).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group, Permission
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

EDITOR = "editor"
VIEWER = "viewer"

# Model permissions each group gets, so the same people can use the admin for live work.
GROUP_PERMISSIONS: dict[str, list[str]] = {
    EDITOR: [
        "scoreboard.view_event",
        "scoreboard.change_event",
        "scoreboard.view_incident",
        "scoreboard.change_incident",
        "scoreboard.view_change",
        "scoreboard.view_team",
        "scoreboard.view_competition",
        "scoreboard.view_sport",
    ],
    VIEWER: [
        "scoreboard.view_event",
        "scoreboard.view_incident",
        "scoreboard.view_change",
        "scoreboard.view_team",
        "scoreboard.view_competition",
        "scoreboard.view_sport",
    ],
}


def setup_roles() -> dict[str, bool]:
    """Create the groups and grant their permissions; idempotent. Returns {name: created}."""
    created: dict[str, bool] = {}
    for name, codenames in GROUP_PERMISSIONS.items():
        group, created[name] = Group.objects.get_or_create(name=name)
        perms = []
        for dotted in codenames:
            app_label, codename = dotted.split(".")
            perm = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if perm is not None:
                perms.append(perm)
        group.permissions.add(*perms)
    return created


def role_of(user: AbstractBaseUser | AnonymousUser | None) -> str | None:
    """ "editor", "viewer" or None (no console access)."""
    if user is None or not user.is_authenticated or not user.is_active or not user.is_staff:
        return None
    if user.is_superuser:
        return EDITOR
    names = set(user.groups.values_list("name", flat=True))
    if EDITOR in names:
        return EDITOR
    if VIEWER in names:
        return VIEWER
    return None


def can_edit(user: Any) -> bool:
    return role_of(user) == EDITOR


def console_access(*, edit: bool = False) -> Callable:
    """Anonymous -> admin login; signed in without the role -> 403."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            role = role_of(request.user)
            if role is None or (edit and role != EDITOR):
                raise PermissionDenied("your account cannot use the console for this")
            request.console_role = role  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
