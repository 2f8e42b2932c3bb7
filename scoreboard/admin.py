"""Django admin for the live world.

Reference data (sports, competitions, teams, provider mappings) is edited directly.
Events and incidents are live models: every admin save is routed through
`scoreboard.services` (see `EventAdmin.save_model` and `EventAdmin.save_formset`), so
an admin edit validates like any other entry point, bumps the event's version and
leaves one change-log row per change. The change log itself is read-only.
"""

from __future__ import annotations

from typing import Any

from axes import admin as axes_admin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.formsets import DELETION_FIELD_NAME
from django.http import HttpRequest, HttpResponse

from scoreboard import services
from scoreboard.errors import DomainError, IllegalTransition
from scoreboard.models import (
    SCORING_KINDS,
    Change,
    Competition,
    Event,
    Incident,
    IncidentKind,
    ProviderMapping,
    Source,
    Sport,
    Status,
    Team,
)
from scoreboard.rules import rules_for
from scoreboard.status import check_transition

# Incident kinds recorded through `record_score` (they move the score).
SCORE_KINDS = frozenset(SCORING_KINDS | {IncidentKind.POINTS})


def admin_actor(request: HttpRequest) -> services.Actor:
    return services.Actor(source=Source.ADMIN, user=request.user, detail="admin")


# --- Reference data -------------------------------------------------------------------


@admin.register(Sport)
class SportAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "display_order"]
    list_editable = ["display_order"]
    list_filter = ["kind"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Competition)
class CompetitionAdmin(admin.ModelAdmin):
    list_display = ["name", "season", "sport", "country", "display_order"]
    list_editable = ["display_order"]
    list_filter = ["sport", "country", "season"]
    list_select_related = ["sport"]
    search_fields = ["name", "slug", "country"]
    prepopulated_fields = {"slug": ["name", "season"]}


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "sport", "country"]
    list_filter = ["sport", "country"]
    list_select_related = ["sport"]
    search_fields = ["name", "short_name", "country"]


@admin.register(ProviderMapping)
class ProviderMappingAdmin(admin.ModelAdmin):
    list_display = ["provider", "kind", "provider_id", "object_id"]
    list_filter = ["provider", "kind"]
    search_fields = ["provider_id", "=object_id"]


# --- Service-backed admin -------------------------------------------------------------


class ServiceFormMixin:
    """A form that can carry a refusal from the service layer back to the user.

    `ServiceAdminMixin` re-renders the posted form with `service_error` set when a
    service refuses the save; `clean()` then reports it like any validation error.
    """

    service_error: str = ""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()  # type: ignore[misc]
        if self.service_error:
            raise ValidationError(self.service_error)
        return cleaned


class ServiceAdminMixin:
    """Turn a `DomainError` raised while saving into a form error instead of a 500.

    The admin wraps a POST in one transaction, so when a service refuses part of a
    save everything already applied in that request is rolled back; the form is then
    validated again with the refusal attached, and nothing is written.
    """

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        except DomainError as exc:
            request.service_error = str(exc)  # type: ignore[attr-defined]
            return super().changeform_view(request, object_id, form_url, extra_context)  # type: ignore[misc]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        form = super().get_form(request, obj, change, **kwargs)  # type: ignore[misc]
        error = getattr(request, "service_error", "")
        if error:
            form = type(form.__name__, (form,), {"service_error": error})
        return form


class EventAddForm(ServiceFormMixin, forms.ModelForm):
    class Meta:
        model = Event
        fields = ["competition", "home", "away", "kickoff", "venue"]


class EventChangeForm(ServiceFormMixin, forms.ModelForm):
    # The version the editor saw: a save based on an older one is refused (StaleEdit).
    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    reason = forms.CharField(
        required=False,
        max_length=200,
        help_text="Required when you change the score; kept in the change log.",
    )

    class Meta:
        model = Event
        fields = ["home", "away", "kickoff", "venue", "status", "period"]
        fields += ["home_score", "away_score"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        event = self.instance
        self.initial.setdefault("expected_version", event.version)
        if "period" in self.fields:
            periods = rules_for(event.sport_kind).periods
            self.fields["period"] = forms.ChoiceField(
                required=False,
                choices=[("", "—"), *((p.code, f"{p.code} · {p.label}") for p in periods)],
                help_text="Changing the period goes through a break into the chosen one.",
            )

    def clean_expected_version(self) -> int:
        expected = self.cleaned_data["expected_version"]
        if expected != self.instance.version:
            raise ValidationError(
                f"This event changed since you opened it (you had version {expected}, "
                f"it is now {self.instance.version}). Reload the page and redo your edit."
            )
        return expected

    def clean_status(self) -> str:
        status = self.cleaned_data["status"]
        current = self.initial.get("status", status)
        if status != current:
            try:
                check_transition(current, status)
            except IllegalTransition as exc:
                raise ValidationError(str(exc)) from exc
        return status

    def score_changed(self) -> bool:
        return bool({"home_score", "away_score"} & set(self.changed_data))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.score_changed() and not cleaned.get("reason", "").strip():
            self.add_error("reason", "Give a reason for the score change.")
        return cleaned


class IncidentInlineForm(forms.ModelForm):
    reason = forms.CharField(
        required=False, max_length=200, help_text="Needed to correct or remove an incident."
    )

    class Meta:
        model = Incident
        fields = ["kind", "minute", "added_time", "side", "player", "detail", "points"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            # A new scoring incident counts one point unless told otherwise.
            self.fields["points"].initial = 1
        self.fields["points"].help_text = "For new goals / baskets only."

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.instance.pk is None or cleaned.get(DELETION_FIELD_NAME):
            return cleaned
        fixed = {"kind", "side", "points"} & set(self.changed_data)
        if fixed:
            raise ValidationError(
                f"{', '.join(sorted(fixed))} cannot be edited: remove this incident "
                "(with a reason) and add the right one, so the score stays consistent."
            )
        if self.has_changed() and not cleaned.get("reason", "").strip():
            self.add_error("reason", "Give a reason for the correction.")
        return cleaned


class IncidentInlineFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        # Forms marked for deletion are not validated by Django: check the reason here.
        for form in self.initial_forms:
            data = getattr(form, "cleaned_data", {})
            if data.get(DELETION_FIELD_NAME) and not data.get("reason", "").strip():
                raise ValidationError(f"Give a reason to remove “{form.instance}”.")


class IncidentInline(admin.TabularInline):
    model = Incident
    form = IncidentInlineForm
    formset = IncidentInlineFormSet
    extra = 1
    fields = [
        "kind",
        "period",
        "minute",
        "added_time",
        "side",
        "player",
        "detail",
        "points",
        "cancelled",
        "cancel_reason",
        "reason",
    ]
    readonly_fields = ["period", "cancelled", "cancel_reason"]
    show_change_link = False
    verbose_name_plural = "Incidents (removing one cancels it with your reason)"


class StatusListFilter(admin.SimpleListFilter):
    """Status with a "live now" shortcut (live or at a break)."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [("live_now", "Live now (incl. breaks)"), *Status.choices]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value == "live_now":
            return queryset.filter(status__in=[Status.LIVE, Status.BREAK])
        if value:
            return queryset.filter(status=value)
        return queryset


@admin.register(Event)
class EventAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = [
        "__str__",
        "competition",
        "kickoff",
        "score",
        "status",
        "period",
        "version",
        "updated_at",
    ]
    list_filter = [
        StatusListFilter,
        "competition__sport",
        "competition",
        ("kickoff", admin.DateFieldListFilter),
    ]
    list_select_related = ["competition__sport", "home", "away"]
    search_fields = ["home__name", "away__name", "competition__name", "venue", "=id"]
    date_hierarchy = "kickoff"
    autocomplete_fields = ["home", "away"]
    actions = ["postpone_selected", "cancel_selected"]
    inlines = [IncidentInline]
    # Live state is written by the services; shown here for reference.
    state_fields = [
        "winner",
        "period_scores",
        "state",
        "clock_running",
        "clock_elapsed",
        "clock_anchor",
        "version",
        "updated_at",
    ]

    @admin.display(description="score")
    def score(self, event: Event) -> str:
        return f"{event.home_score} - {event.away_score}"

    # The add page only creates a scheduled event; the change page edits live state.
    def get_form(
        self, request: HttpRequest, obj: Event | None = None, change: bool = False, **kwargs
    ):
        kwargs["form"] = EventChangeForm if obj is not None else EventAddForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: Event | None = None) -> list:
        if obj is None:
            return [(None, {"fields": ["competition", "home", "away", "kickoff", "venue"]})]
        return [
            (
                None,
                {"fields": ["competition", "home", "away", "kickoff", "venue", "expected_version"]},
            ),
            (
                "Live",
                {"fields": ["status", "period", "home_score", "away_score", "reason"]},
            ),
            ("State (written by the services)", {"fields": self.state_fields}),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Event | None = None) -> list[str]:
        if obj is None:
            return []
        return ["competition", *self.state_fields]

    def get_inlines(self, request: HttpRequest, obj: Event | None) -> list:
        # Incidents need a started event; the add page has none yet.
        return self.inlines if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: Event | None = None) -> bool:
        # Events are never deleted (their change log would go with them): cancel instead.
        return False

    def save_model(self, request: HttpRequest, obj: Event, form: forms.Form, change: bool) -> None:
        actor = admin_actor(request)
        if not change:
            data = form.cleaned_data
            event = services.create_event(
                competition=data["competition"],
                home=data["home"],
                away=data["away"],
                kickoff=data["kickoff"],
                venue=data.get("venue", ""),
                actor=actor,
            )
            _adopt(obj, event)
            return
        expected = form.cleaned_data["expected_version"]
        for apply in (self._apply_details, self._apply_score, self._apply_status):
            event = apply(obj.pk, form, actor=actor, expected_version=expected)
            if event is not None:
                expected = event.version
        obj.refresh_from_db()
        # Inline incident saves continue from the version this save produced.
        request.scoreline_expected_version = expected  # type: ignore[attr-defined]

    # Each `_apply_*` makes at most one kind of service call and returns the event it
    # produced (or None if its fields did not change). Quick actions can reuse them.

    def _apply_details(self, pk: int, form: EventChangeForm, **kw: Any) -> Event | None:
        fields = {"kickoff", "venue", "home", "away"} & set(form.changed_data)
        if not fields:
            return None
        return services.update_event_details(
            event=pk, **{name: form.cleaned_data[name] for name in fields}, **kw
        )

    def _apply_score(self, pk: int, form: EventChangeForm, **kw: Any) -> Event | None:
        if not form.score_changed():
            return None
        data = form.cleaned_data
        return services.set_score(
            event=pk, home=data["home_score"], away=data["away_score"], reason=data["reason"], **kw
        )

    def _apply_status(self, pk: int, form: EventChangeForm, **kw: Any) -> Event | None:
        if not {"status", "period"} & set(form.changed_data):
            return None
        status, before = form.cleaned_data["status"], form.initial["status"]
        period = form.cleaned_data["period"] if "period" in form.changed_data else None
        if status == before == Status.LIVE:
            # A new period while live: close this one with a break, then start the next.
            event = services.change_status(event=pk, status=Status.BREAK, **kw)
            kw["expected_version"] = event.version
        elif status == before:
            raise DomainError("the period can only change while the event is live")
        return services.change_status(
            event=pk,
            status=status,
            period=(period or None) if status == Status.LIVE else None,
            **kw,
        )

    def save_formset(
        self, request: HttpRequest, form: forms.Form, formset: forms.BaseFormSet, change: bool
    ) -> None:
        if formset.model is not Incident:
            super().save_formset(request, form, formset, change)
            return
        event = formset.instance
        actor = admin_actor(request)
        expected = getattr(
            request, "scoreline_expected_version", form.cleaned_data.get("expected_version")
        )
        # What the admin's history message reads ("Added incident ...", "Changed ...").
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline in formset.forms:
            outcome = self._apply_incident_form(event, inline, actor=actor, expected=expected)
            if outcome is None:
                continue
            what, incident = outcome
            if what == "added" and incident is not None:
                formset.new_objects.append(incident)
            elif what == "changed":
                formset.changed_objects.append((incident, inline.changed_data))
            elif what == "removed":
                formset.changed_objects.append((incident, ["cancelled"]))
            expected = Event.objects.values_list("version", flat=True).get(pk=event.pk)
        event.refresh_from_db()

    def _apply_incident_form(
        self, event: Event, inline: IncidentInlineForm, *, actor: services.Actor, expected: int
    ) -> tuple[str, Incident | None] | None:
        """Apply one inline row through the services: ("added"|"changed"|"removed", incident)."""
        data = inline.cleaned_data
        incident = inline.instance
        kw: dict[str, Any] = {"actor": actor, "expected_version": expected}
        if incident.pk is not None:
            if data.get(DELETION_FIELD_NAME):
                removed = services.remove_incident(
                    incident=incident.pk, reason=data["reason"], **kw
                )
                return "removed", removed
            if not inline.has_changed():
                return None
            fields = {"player", "minute", "added_time", "detail"} & set(inline.changed_data)
            corrected = services.correct_incident(
                incident=incident.pk,
                reason=data["reason"],
                **{name: _blank_as(name, data[name]) for name in fields},
                **kw,
            )
            return "changed", corrected
        if not inline.has_changed() or data.get(DELETION_FIELD_NAME):
            return None
        common = {"side": data["side"], "player": data["player"], "minute": data["minute"]}
        if data["kind"] in SCORE_KINDS:
            if not data["side"]:
                raise DomainError("a score needs a side (home or away)")
            services.record_score(
                event=event.pk,
                kind=data["kind"],
                points=data["points"] or 1,
                detail=data["detail"],
                **common,
                **kw,
            )
            # Tennis points have no timeline entry; team sports get one incident.
            return "added", event.incidents.filter(points__gt=0).order_by("-id").first()
        added = services.add_incident(
            event=event.pk,
            kind=data["kind"],
            added_time=data["added_time"],
            detail=data["detail"],
            **common,
            **kw,
        )
        return "added", added

    def _bulk_status(self, request: HttpRequest, queryset: QuerySet, status: str) -> None:
        done, refused = 0, []
        for event in queryset:
            try:
                services.change_status(event=event.pk, status=status, actor=admin_actor(request))
                done += 1
            except DomainError as exc:
                refused.append(f"{event}: {exc}")
        if done:
            self.message_user(request, f"{done} event(s) now {Status(status).label.lower()}.")
        for message in refused:
            self.message_user(request, message, level=messages.ERROR)

    @admin.action(description="Postpone selected events", permissions=["change"])
    def postpone_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._bulk_status(request, queryset, Status.POSTPONED)

    @admin.action(description="Cancel selected events", permissions=["change"])
    def cancel_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._bulk_status(request, queryset, Status.CANCELLED)


def _adopt(obj: Event, event: Event) -> None:
    """Make the admin's unsaved instance the event the service created."""
    for field in Event._meta.concrete_fields:
        setattr(obj, field.attname, getattr(event, field.attname))
    obj._state.adding = False
    obj._state.db = event._state.db


def _blank_as(name: str, value: Any) -> Any:
    # The service treats None as "unchanged": a cleared text field means "".
    if value is None and name in ("player", "detail"):
        return ""
    return value


class IncidentCorrectForm(ServiceFormMixin, forms.ModelForm):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    reason = forms.CharField(max_length=200, help_text="Why the correction; kept in the log.")

    class Meta:
        model = Incident
        fields = ["minute", "added_time", "player", "detail"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("expected_version", self.instance.event.version)


@admin.register(Incident)
class IncidentAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Timeline entries across events. Added and removed under their event; corrected here."""

    form = IncidentCorrectForm
    list_display = ["__str__", "event", "period", "side", "points", "cancelled", "created_at"]
    list_filter = ["kind", "cancelled", "event__competition__sport"]
    list_select_related = ["event__home", "event__away"]
    search_fields = ["player", "detail", "event__home__name", "event__away__name"]
    fields = ["event", "kind", "period", "side", "points", "minute", "added_time", "player"]
    fields += ["detail", "cancelled", "cancel_reason", "reason", "expected_version"]
    readonly_fields = ["event", "kind", "period", "side", "points", "cancelled", "cancel_reason"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Incident | None = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: Incident, form: forms.Form, change: bool
    ) -> None:
        fields = {"minute", "added_time", "player", "detail"} & set(form.changed_data)
        if not fields:
            raise DomainError("nothing to correct")
        services.correct_incident(
            incident=obj.pk,
            reason=form.cleaned_data["reason"],
            **{name: _blank_as(name, form.cleaned_data[name]) for name in fields},
            actor=admin_actor(request),
            expected_version=form.cleaned_data["expected_version"],
        )
        obj.refresh_from_db()


@admin.register(Change)
class ChangeAdmin(admin.ModelAdmin):
    """The change log: an audit trail, never edited."""

    list_display = ["id", "event", "kind", "version", "source", "user", "created_at"]
    list_display += ["published_at"]
    list_filter = ["kind", "source", ("published_at", admin.EmptyFieldListFilter)]
    list_select_related = ["event__home", "event__away", "user"]
    search_fields = ["=id", "=event__id", "event__home__name", "event__away__name"]
    date_hierarchy = "created_at"
    show_full_result_count = False  # the log grows large: skip the extra COUNT(*)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Change | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Change | None = None) -> bool:
        return False


# django-axes's login-lockout pages (AXES_ENABLE_ADMIN is off so that they are registered
# here): its one action deletes rows, so it needs the delete permission like every other.
class LockoutAttemptAdmin(axes_admin.AccessAttemptAdmin):
    @admin.action(description="Clean up expired attempts", permissions=["delete"])
    def cleanup_expired_attempts(self, request: HttpRequest, queryset: QuerySet) -> None:
        # Axes stamps the attempt time on login requests only; None means "now".
        request.axes_attempt_time = None  # type: ignore[attr-defined]
        super().cleanup_expired_attempts(request, queryset)


admin.site.register(AccessAttempt, LockoutAttemptAdmin)
admin.site.register(AccessLog, axes_admin.AccessLogAdmin)
admin.site.register(AccessFailureLog, axes_admin.AccessFailureLogAdmin)
