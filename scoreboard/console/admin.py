"""The Event admin made for live work (issue 6), on top of `scoreboard.admin.EventAdmin`.

Adds quick actions on the change page (the console's actions, as the admin's Actor),
a conflict box with "what changed meanwhile" and a re-apply of the editor's own edits,
list-editable score and status (through the services, version-checked), and a
"release feed overrides" action. Registered in place of the base EventAdmin: Django's
admin autodiscovery imports this module after `scoreboard.admin`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from scoreboard import services
from scoreboard.admin import EventAdmin, EventChangeForm, admin_actor
from scoreboard.errors import DomainError, StaleEdit
from scoreboard.models import Event, Team

from . import actions, admin_live, selectors
from .describe import describe_change
from .forms import ACTION_FORMS, errors_text
from .templatetags.console_tags import actor_label

REAPPLY_SALT = "console.admin.reapply"
REAPPLY_MAX_AGE = 15 * 60
# Fields of the change form an editor edits; a conflict re-applies only those they changed.
EDITABLE = ("home", "away", "kickoff", "venue", "status", "period", "home_score", "away_score")


def _missed_lines(event_id: int, version: int) -> list[str]:
    lines = []
    for change in selectors.changes_since(event_id, version):
        who = actor_label(change)
        lines.append(
            f"v{change.version} {timezone.localtime(change.created_at):%H:%M:%S} "
            f"{describe_change(change)} ({change.get_source_display()}, {who})"
        )
    return lines


class LiveEventChangeForm(EventChangeForm):
    """The change form, told what the editor saw so a conflict can keep their edits.

    Each editable field carries its initial value in a hidden input (Django's
    `show_hidden_initial`), so `changed_data` means "what this editor changed" even when
    someone else changed the event meanwhile.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.conflict: dict[str, Any] | None = None
        for name in EDITABLE:
            if name not in self.fields:
                continue
            # Posts from older pages lack the hidden initial: compare with the DB then.
            if not self.is_bound or any(k.startswith(f"initial-{name}") for k in self.data):
                self.fields[name].show_hidden_initial = True

    def clean_expected_version(self) -> int:
        expected = self.cleaned_data["expected_version"]
        current = self.instance.version
        if expected != current:
            self.conflict = {"expected": expected, "current": current}
            raise ValidationError(
                f"Not saved: this event changed since you opened it (you had version "
                f"{expected}, it is now {current}). What changed is listed above; re-apply "
                "your edit on the current state or reload to discard it."
            )
        return expected

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.conflict is not None:
            edits = {
                name: _dump(cleaned[name])
                for name in self.changed_data
                if name in EDITABLE and name in cleaned
            }
            self.conflict.update(
                {
                    "missed": _missed_lines(self.instance.pk, self.conflict["expected"]),
                    "edits": edits,
                    "reason": cleaned.get("reason", ""),
                    "token": signing.dumps(
                        {
                            "event": self.instance.pk,
                            "based_on": self.conflict["current"],
                            "edits": edits,
                            "reason": cleaned.get("reason", ""),
                        },
                        salt=REAPPLY_SALT,
                    ),
                }
            )
        return cleaned


def _dump(value: Any) -> Any:
    if isinstance(value, Team):
        return value.pk
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


@dataclass
class _Edits:
    """The bits of a bound form the base admin's `_apply_*` helpers read."""

    cleaned_data: dict[str, Any]
    initial: dict[str, Any]
    changed_data: list[str] = field(default_factory=list)

    def score_changed(self) -> bool:
        return bool({"home_score", "away_score"} & set(self.changed_data))


class VersionWidget(forms.HiddenInput):
    """The version a list row was rendered at: shown as text, posted back hidden."""

    # In the app's templates: the form renderer does not read the project DIRS.
    template_name = "console/admin/version_widget.html"


class LiveListForm(forms.ModelForm):
    class Meta:
        model = Event
        fields = ["home_score", "away_score", "status", "version"]
        widgets = {"version": VersionWidget}

    def clean_version(self) -> int:
        seen = self.cleaned_data["version"]
        if seen != self.instance.version:
            missed = "; ".join(_missed_lines(self.instance.pk, seen)[-3:])
            raise ValidationError(
                f"changed since you opened it (v{seen} → v{self.instance.version}: {missed}). "
                "Reload the list and redo this row."
            )
        return seen


class LiveEventAdmin(EventAdmin):
    change_form_template = "console/admin/event_change_form.html"
    change_list_template = "console/admin/event_change_list.html"
    list_display = [
        "event_label",
        "competition",
        "kickoff_short",
        "home_score",
        "away_score",
        "status",
        "period",
        "version",
    ]
    list_editable = ["home_score", "away_score", "status", "version"]
    list_per_page = 50
    actions = [*EventAdmin.actions, "release_overrides"]

    def get_form(
        self, request: HttpRequest, obj: Event | None = None, change: bool = False, **kwargs: Any
    ):
        form = super().get_form(request, obj, change, **kwargs)
        if obj is None or not issubclass(form, EventChangeForm):
            return form
        # Keep the base admin's per-request subclass (it carries a service refusal).
        return type(form.__name__, (LiveEventChangeForm, form), {})

    def get_changelist_form(self, request: HttpRequest, **kwargs: Any) -> type[forms.ModelForm]:
        return LiveListForm

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/quick/", view(self.quick_action), name="scoreboard_event_quick"),
            path("<path:object_id>/reapply/", view(self.reapply), name="scoreboard_event_reapply"),
            path("<path:object_id>/live/", view(self.live_state), name="scoreboard_event_live"),
            *super().get_urls(),
        ]

    @admin.display(description="event")
    def event_label(self, event: Event) -> str:
        # The row's event and version, for the live list (static/js/admin_live.js).
        return format_html(
            '<span class="live-event" data-event="{}" data-version="{}" data-status="{}">{}</span>',
            event.pk,
            event.version,
            event.status,
            event,
        )

    @admin.display(description="kick-off", ordering="kickoff")
    def kickoff_short(self, event: Event) -> str:
        return f"{timezone.localtime(event.kickoff):%d %b %H:%M}"

    # -- change page -----------------------------------------------------------------

    def render_change_form(
        self, request: HttpRequest, context: dict[str, Any], *args: Any, **kwargs: Any
    ) -> HttpResponse:
        obj = context.get("original")
        form = context["adminform"].form if "adminform" in context else None
        if obj is not None:
            context["live"] = {
                "event": obj,
                "period_label": actions.period_button_label(obj),
                "can_act": self.has_change_permission(request, obj),
                "conflict": getattr(form, "conflict", None),
                "page": admin_live.change_form_page(obj),
            }
        return super().render_change_form(request, context, *args, **kwargs)

    def quick_action(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """One-click live actions from the change page, as the admin's Actor."""
        event = get_object_or_404(Event, pk=object_id)
        if request.method != "POST" or not self.has_change_permission(request, event):
            raise PermissionDenied
        back = HttpResponseRedirect(reverse("admin:scoreboard_event_change", args=[event.pk]))
        name, _, side = request.POST.get("quick", "").partition("_")
        fields = {
            field: request.POST.get(field, "")
            for field in ("expected_version", "player", "player_out", "kind", "minute")
        }
        fields["side"] = side
        if name in ("yellow", "red"):
            name, fields["color"] = "card", name
        elif name == "clock":
            fields["running"] = "1" if side == "start" else "0"
        elif name == "goal":
            name = "score"
        handler = actions.ACTIONS.get(name)
        if handler is None or name in ("remove", "correct"):
            self.message_user(request, "Unknown quick action.", messages.ERROR)
            return back
        # The console's own form for this action: the same limits, checked before any write.
        form = ACTION_FORMS[name](fields)
        if not form.is_valid():
            if "expected_version" in form.errors:
                self.message_user(request, "Missing version: reload the page.", messages.ERROR)
            else:
                self.message_user(request, f"Not applied: {errors_text(form)}", messages.ERROR)
            return back
        data: dict[str, Any] = dict(form.cleaned_data)
        expected = data.pop("expected_version")
        try:
            outcome = handler(
                event_id=event.pk, data=data, actor=admin_actor(request), expected_version=expected
            )
        except StaleEdit as stale:
            missed = "; ".join(_missed_lines(event.pk, stale.expected))
            self.message_user(
                request,
                f"Not applied: {stale}. Changed meanwhile: {missed}. "
                "The page now shows the current state: click again to re-apply.",
                messages.ERROR,
            )
            return back
        except DomainError as error:
            self.message_user(request, f"Not applied: {error}", messages.ERROR)
            return back
        self.message_user(request, f"{outcome.message} (v{outcome.event.version})")
        return back

    def reapply(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Apply the edits of a refused save on top of the state it was refused against."""
        event = get_object_or_404(Event, pk=object_id)
        if request.method != "POST" or not self.has_change_permission(request, event):
            raise PermissionDenied
        back = HttpResponseRedirect(reverse("admin:scoreboard_event_change", args=[event.pk]))
        try:
            payload = signing.loads(
                request.POST.get("token", ""), salt=REAPPLY_SALT, max_age=REAPPLY_MAX_AGE
            )
        except signing.BadSignature:
            self.message_user(request, "This re-apply has expired: redo the edit.", messages.ERROR)
            return back
        if payload["event"] != event.pk:
            raise PermissionDenied
        try:
            applied = self._apply_edits(request, event, payload)
        except StaleEdit as stale:
            missed = "; ".join(_missed_lines(event.pk, stale.expected))
            self.message_user(
                request,
                f"Not re-applied: the event changed again ({missed}). Redo the edit.",
                messages.ERROR,
            )
            return back
        except DomainError as error:
            self.message_user(request, f"Not re-applied: {error}", messages.ERROR)
            return back
        self.message_user(
            request, f"Re-applied your edit ({', '.join(applied) or 'nothing to change'})."
        )
        return back

    @transaction.atomic
    def _apply_edits(self, request: HttpRequest, event: Event, payload: dict) -> list[str]:
        edits = dict(payload["edits"])
        current = {
            "status": event.status,
            "period": event.period,
            "home_score": event.home_score,
            "away_score": event.away_score,
            "venue": event.venue,
            "kickoff": event.kickoff,
            "home": event.home,
            "away": event.away,
        }
        cleaned: dict[str, Any] = {**current, "reason": payload.get("reason", "")}
        for name, value in edits.items():
            if name in ("home", "away"):
                value = Team.objects.get(pk=value)
            elif name == "kickoff":
                value = dt.datetime.fromisoformat(value)
            cleaned[name] = value
        changed = [name for name in edits if cleaned[name] != current[name]]
        form = _Edits(cleaned_data=cleaned, initial=current, changed_data=changed)
        kw: dict[str, Any] = {
            "actor": admin_actor(request),
            "expected_version": payload["based_on"],
        }
        for apply in (self._apply_details, self._apply_score, self._apply_status):
            done = apply(event.pk, form, **kw)
            if done is not None:
                kw["expected_version"] = done.version
        return changed

    def live_state(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The change form's live banner: what changed after `since`, the fields now,
        incidents added after `after_incident` (static/js/admin_live.js asks for it)."""
        if not object_id.isdigit():
            raise Http404("no such event")
        event = get_object_or_404(Event.objects.select_related("home", "away"), pk=object_id)
        if request.method != "GET" or not self.has_view_permission(request, event):
            raise PermissionDenied
        try:
            since = int(request.GET.get("since", ""))
            after_incident = int(request.GET.get("after_incident", "0"))
        except ValueError:
            return HttpResponse("since and after_incident must be integers", status=400)
        if not (0 <= since < 2**31 and 0 <= after_incident < 2**62):
            return HttpResponse("since or after_incident out of range", status=400)
        context = admin_live.live_state(event, since=since, after_incident=after_incident)
        response = TemplateResponse(request, "console/admin/event_live_state.html", context)
        response["Cache-Control"] = "no-store"
        return response

    # -- list -------------------------------------------------------------------------

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # Read before the list: a change committed meanwhile is then replayed, not missed.
        live = admin_live.changelist_page(selectors.latest_sequence())
        extra_context = {**(extra_context or {}), "live": live}
        try:
            with transaction.atomic():
                return super().changelist_view(request, extra_context)
        except DomainError as error:
            self.message_user(request, f"Not saved: {error}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request: HttpRequest, obj: Event, form: forms.Form, change: bool) -> None:
        if not isinstance(form, LiveListForm):
            super().save_model(request, obj, form, change)
            return
        # A list row: score then status, each through its service, version-checked.
        actor = admin_actor(request)
        expected = form.cleaned_data["version"]
        data = form.cleaned_data
        if {"home_score", "away_score"} & set(form.changed_data):
            done = services.set_score(
                event=obj.pk,
                home=data["home_score"],
                away=data["away_score"],
                reason="corrected in the admin list",
                actor=actor,
                expected_version=expected,
            )
            expected = done.version
        if "status" in form.changed_data:
            services.change_status(
                event=obj.pk, status=data["status"], actor=actor, expected_version=expected
            )
        obj.refresh_from_db()

    @admin.action(
        description="Release feed overrides (hand fields back to the feed)",
        permissions=["change"],
    )
    def release_overrides(self, request: HttpRequest, queryset: Any) -> None:
        try:
            from scoreboard.feeds.models import FieldLock
            from scoreboard.feeds.overrides import release_field
        except ImportError:
            self.message_user(request, "Feed overrides are not available.", messages.WARNING)
            return
        released = 0
        for lock in FieldLock.objects.filter(event__in=queryset):
            release_field(event=lock.event_id, field=lock.field)
            released += 1
        self.message_user(request, f"{released} override(s) released to the feed.")


admin.site.unregister(Event)
admin.site.register(Event, LiveEventAdmin)
