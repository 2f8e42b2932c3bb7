"""Admin: staff create API keys (the token is shown once), revoke them, and read the
webhook delivery log."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from . import services
from .models import ApiKey, Partner, Scope, Webhook, WebhookDelivery


class ApiKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        choices=Scope.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = ApiKey
        fields = ["partner", "name", "scopes", "rate"]

    def clean_rate(self) -> str:
        try:
            return services.validate_rate(self.cleaned_data["rate"])
        except services.InvalidChange as exc:
            raise forms.ValidationError(str(exc)) from None


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    form = ApiKeyForm
    list_display = [
        "prefix",
        "partner",
        "name",
        "scopes",
        "rate",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["partner", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["prefix", "name", "partner__name"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        if change:
            obj.scopes = services.validate_scopes(form.cleaned_data["scopes"])
            super().save_model(request, obj, form, change)
            return
        new = services.create_api_key(
            partner=form.cleaned_data["partner"],
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            rate=form.cleaned_data["rate"],
        )
        obj.pk = new.key.pk
        obj.__dict__.update(
            {f.attname: getattr(new.key, f.attname) for f in ApiKey._meta.concrete_fields}
        )
        obj._state.adding = False
        messages.warning(
            request,
            f"API key created. Copy it now, it will not be shown again: {new.token}",
        )

    @admin.action(description="Revoke selected keys", permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        for key in queryset:
            services.revoke_api_key(key=key)
        self.message_user(request, f"Revoked {queryset.count()} key(s).")


class DeliveryInline(admin.TabularInline):
    model = WebhookDelivery
    fields = ["sequence", "attempt", "ok", "status_code", "error", "duration_ms", "created_at"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    ordering = ["-id"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[WebhookDelivery]:
        return super().get_queryset(request).order_by("-id")


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "partner",
        "url",
        "active",
        "cursor",
        "consecutive_failures",
        "disabled_reason",
    ]
    list_filter = ["active", "partner"]
    search_fields = ["url", "partner__name"]
    readonly_fields = [
        "cursor",
        "consecutive_failures",
        "next_attempt_at",
        "disabled_reason",
        "created_at",
    ]
    inlines = [DeliveryInline]
    actions = ["enable"]

    @admin.action(
        description="Re-enable selected webhooks (resume at their cursor)", permissions=["change"]
    )
    def enable(self, request: HttpRequest, queryset: QuerySet[Webhook]) -> None:
        for webhook in queryset:
            services.enable_webhook(webhook=webhook)
        self.message_user(request, f"Enabled {queryset.count()} webhook(s).")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "webhook",
        "sequence",
        "attempt",
        "ok",
        "status_code",
        "error",
        "duration_ms",
    ]
    list_filter = ["ok", "webhook__partner"]
    search_fields = ["=sequence", "webhook__url"]
    list_select_related = ["webhook__partner"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class KeyInline(admin.TabularInline):
    model = ApiKey
    fields = ["prefix", "name", "scopes", "rate", "revoked_at"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "contact_email", "created_at"]
    search_fields = ["name"]
    inlines = [KeyInline]
