"""Admin: provider health, quarantine (with retry), manual overrides, priorities."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from .health import provider_health
from .models import (
    CompetitionProvider,
    FieldLock,
    ProcessedMessage,
    Provider,
    QuarantinedMessage,
)
from .overrides import release_field


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "kind",
        "enabled",
        "state",
        "last_message_at",
        "lag",
        "messages_per_minute",
        "errors_per_minute",
    )
    readonly_fields = ("pull_cursor", "pull_etag", "pull_last_modified", "last_polled_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        self._health: dict = {}
        return super().get_queryset(request)

    def _h(self, obj: Provider):
        if obj.pk not in self._health:
            self._health[obj.pk] = provider_health(obj.pk)
        return self._health[obj.pk]

    @admin.display(description="state")
    def state(self, obj: Provider) -> str:
        return self._h(obj).state

    @admin.display(description="last message")
    def last_message_at(self, obj: Provider):
        return self._h(obj).last_message_at

    @admin.display(description="lag (s, upstream to commit)")
    def lag(self, obj: Provider) -> str:
        lag = self._h(obj).lag_seconds
        return "—" if lag is None else f"{lag:.2f}"

    @admin.display(description="messages/min")
    def messages_per_minute(self, obj: Provider) -> int:
        return self._h(obj).messages_per_minute

    @admin.display(description="errors/min")
    def errors_per_minute(self, obj: Provider) -> int:
        return self._h(obj).errors_per_minute


@admin.register(CompetitionProvider)
class CompetitionProviderAdmin(admin.ModelAdmin):
    list_display = ("competition", "provider", "priority")
    list_select_related = ("competition", "provider")


@admin.register(QuarantinedMessage)
class QuarantinedMessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "provider", "reason", "received_at", "retried_at", "resolved")
    list_filter = ("provider", "resolved")
    search_fields = ("reason", "raw")
    readonly_fields = ("provider", "raw", "reason", "received_at", "created_at", "retried_at")
    actions = ["retry"]

    @admin.action(description="Retry the selected messages", permissions=["change"])
    def retry(self, request: HttpRequest, queryset: QuerySet) -> None:
        from .quarantine import retry

        counts = retry(list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            f"Retried {counts['retried']}; still malformed {counts['still_malformed']}.",
            messages.SUCCESS,
        )


@admin.register(FieldLock)
class FieldLockAdmin(admin.ModelAdmin):
    """Adding a row locks the field against the feed; "release" hands it back."""

    list_display = ("event", "field", "locked_by", "locked_at", "skipped", "reason")
    list_select_related = ("event__home", "event__away", "locked_by")
    raw_id_fields = ("event",)
    readonly_fields = ("locked_by", "locked_at", "skipped")
    actions = ["release"]

    def save_model(self, request: HttpRequest, obj: FieldLock, form, change: bool) -> None:
        if not change:
            obj.locked_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description="Release to the feed", permissions=["change"])
    def release(self, request: HttpRequest, queryset: QuerySet) -> None:
        skipped = sum(release_field(event=lock.event_id, field=lock.field) for lock in queryset)
        self.message_user(request, f"Released; the feed had {skipped} skipped updates.")


@admin.register(ProcessedMessage)
class ProcessedMessageAdmin(admin.ModelAdmin):
    list_display = ("provider", "message_id", "event_id", "seq", "outcome", "received_at")
    list_filter = ("provider", "outcome")
    search_fields = ("message_id",)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
