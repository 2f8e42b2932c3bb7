"""Input (query) and output serializers of the partner API."""

from __future__ import annotations

import re
from typing import Any

from django.core.validators import RegexValidator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from scoreboard.models import Competition, Status
from scoreboard.selectors import StandingRow, TableKind

from .models import Scope
from .selectors import api_payload


# ---- errors -------------------------------------------------------------------------------
class ErrorOutput(serializers.Serializer):
    error = serializers.CharField(help_text="Machine-readable code, e.g. not_authenticated.")
    detail = serializers.CharField(help_text="Human-readable reason.")
    retry_after = serializers.IntegerField(required=False, help_text="Seconds (429 only).")
    fields = serializers.DictField(required=False, help_text="Per-field errors (400 only).")


# ---- reference data -------------------------------------------------------------------------
class SportOutput(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()


class CompetitionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    season = serializers.CharField()
    country = serializers.CharField()
    sport = serializers.CharField(source="sport.slug")


class TeamOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    short_name = serializers.CharField()
    country = serializers.CharField()
    sport = serializers.CharField(source="sport.slug")


class QueryInteger(serializers.IntegerField):
    """Digits only: DRF would read `wait=0.0` or `limit=5.` as integers."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, str) and not re.fullmatch(r"\s*[-+]?\d+\s*", data):
            self.fail("invalid")
        return super().to_internal_value(data)


class QueryInput(serializers.Serializer):
    """Query parameters: one given empty (`?sport=`) is an error, not an absent filter."""

    def to_internal_value(self, data: Any) -> Any:
        given = data.getlist if hasattr(data, "getlist") else lambda name: [data.get(name)]
        empty = {
            name: ["This parameter may not be empty."]
            for name in self.fields
            if name in data and "" in given(name)
        }
        if empty:
            raise serializers.ValidationError(empty)
        return super().to_internal_value(data)


class SportFilterInput(QueryInput):
    # Not trimmed: "R\x1c" (a control character Python counts as space) is not a slug.
    sport = serializers.SlugField(
        required=False, trim_whitespace=False, help_text="Sport slug, e.g. football."
    )


class TeamFilterInput(SportFilterInput):
    competition = QueryInteger(required=False, min_value=1)
    page_size = QueryInteger(
        required=False, min_value=1, max_value=500, help_text="Teams per page (default 100)."
    )


# ---- events ---------------------------------------------------------------------------------
class TeamRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    short_name = serializers.CharField()


class CompetitionRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    season = serializers.CharField()


class ClockOutput(serializers.Serializer):
    running = serializers.BooleanField(source="clock_running")
    elapsed = serializers.IntegerField(source="clock_elapsed", help_text="Seconds at anchor.")
    anchor = serializers.DateTimeField(source="clock_anchor", allow_null=True)


class PeriodScoreOutput(serializers.Serializer):
    period = serializers.CharField()
    home = serializers.IntegerField()
    away = serializers.IntegerField()


class EventOutput(serializers.Serializer):
    id = serializers.IntegerField()
    sport = serializers.CharField(source="competition.sport.slug")
    competition = CompetitionRefOutput()
    home = TeamRefOutput()
    away = TeamRefOutput()
    kickoff = serializers.DateTimeField()
    venue = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    period = serializers.CharField()
    home_score = serializers.IntegerField()
    away_score = serializers.IntegerField()
    winner = serializers.CharField(help_text="home / away once decided, else empty.")
    clock = ClockOutput(source="*")
    version = serializers.IntegerField(help_text="Grows by one per change of this event.")
    updated_at = serializers.DateTimeField()


class IncidentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    period = serializers.CharField()
    minute = serializers.IntegerField(allow_null=True)
    added_time = serializers.IntegerField(allow_null=True)
    side = serializers.CharField()
    team_id = serializers.IntegerField(allow_null=True)
    player = serializers.CharField()
    detail = serializers.CharField()
    points = serializers.IntegerField()
    cancelled = serializers.BooleanField()
    cancel_reason = serializers.CharField()
    created_at = serializers.DateTimeField()


class EventDetailOutput(EventOutput):
    period_scores = PeriodScoreOutput(many=True)
    state = serializers.DictField(help_text="Sport-specific state, e.g. tennis points.")
    incidents = IncidentOutput(many=True, source="incidents.all")


class EventFilterInput(QueryInput):
    sport = serializers.SlugField(required=False, trim_whitespace=False, help_text="Sport slug.")
    competition = QueryInteger(required=False, min_value=1)
    team = QueryInteger(required=False, min_value=1, help_text="Home or away.")
    status = serializers.MultipleChoiceField(
        choices=Status.choices, required=False, help_text="One or more statuses."
    )
    date_from = serializers.DateField(required=False, help_text="Kick-off UTC date, inclusive.")
    date_to = serializers.DateField(required=False, help_text="Kick-off UTC date, inclusive.")
    updated_since = serializers.DateTimeField(
        required=False, help_text="Only events changed after this instant (ISO 8601)."
    )
    page_size = QueryInteger(
        required=False, min_value=1, max_value=200, help_text="Events per page (default 50)."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # date_from after date_to is an empty range (no events), like any other range.
        if "status" in attrs:
            attrs["status"] = sorted(attrs["status"])
        return attrs


# ---- standings ------------------------------------------------------------------------------
class StandingRowOutput(serializers.Serializer):
    position = serializers.IntegerField()
    team = TeamRefOutput()
    played = serializers.IntegerField()
    won = serializers.IntegerField()
    drawn = serializers.IntegerField()
    lost = serializers.IntegerField()
    scored = serializers.IntegerField(help_text="Goals/points for.")
    conceded = serializers.IntegerField(help_text="Goals/points against.")
    difference = serializers.IntegerField()
    points = serializers.IntegerField(allow_null=True, help_text="Football only (3/1/0).")
    win_pct = serializers.FloatField(help_text="Won / played.")


class StandingsOutput(serializers.Serializer):
    competition = CompetitionRefOutput()
    system = serializers.ChoiceField(
        choices=[("points", "points"), ("wins", "wins")],
        help_text="points: 3 per win, 1 per draw, then goal difference; wins: W/L.",
    )
    rows = StandingRowOutput(many=True)


def standings_data(
    competition: Competition, kind: TableKind, rows: list[StandingRow]
) -> dict[str, Any]:
    """StandingsOutput's input: positions, the win ratio, and points in "points" tables only."""
    return {
        "competition": competition,
        "system": kind,
        "rows": [
            {
                "position": position,
                "team": row.team,
                "played": row.played,
                "won": row.won,
                "drawn": row.drawn,
                "lost": row.lost,
                "scored": row.scored,
                "conceded": row.conceded,
                "difference": row.difference,
                "points": row.points if kind == "points" else None,
                "win_pct": round(row.won / row.played, 3) if row.played else 0.0,
            }
            for position, row in enumerate(rows, start=1)
        ],
    }


# ---- changes feed ---------------------------------------------------------------------------
class ChangesInput(QueryInput):
    after = QueryInteger(
        required=False, default=0, min_value=0, max_value=2**62, help_text="Last sequence you have."
    )
    limit = QueryInteger(required=False, default=100, min_value=1, max_value=1000)
    wait = QueryInteger(
        required=False,
        default=0,
        min_value=0,
        max_value=25,
        help_text="Long-poll: seconds to wait for a change when none is pending (max 25).",
    )


class PayloadField(serializers.DictField):
    def to_representation(self, value: Any) -> Any:
        return api_payload(value)  # times in the API's one format


class ChangeOutput(serializers.Serializer):
    seq = serializers.IntegerField(source="id", help_text="Global sequence number.")
    event_id = serializers.IntegerField(allow_null=True)
    kind = serializers.CharField()
    version = serializers.IntegerField(help_text="The event's version after this change.")
    created_at = serializers.DateTimeField()
    payload = PayloadField(help_text='{"kind", "data": delta, "event": snapshot}')


class ChangesOutput(serializers.Serializer):
    changes = ChangeOutput(many=True)
    last_seq = serializers.IntegerField(help_text="Pass as `after` next time.")
    next = serializers.URLField(help_text="The URL of the next poll.")


# ---- webhooks -------------------------------------------------------------------------------
@extend_schema_field({"type": "boolean", "enum": [True]})
class OnlyTrueField(serializers.BooleanField):
    """`true` or absent: `false` would select nothing (omit it and give ids instead)."""

    def to_internal_value(self, data: Any) -> bool:
        if super().to_internal_value(data) is not True:
            raise serializers.ValidationError('only true: omit "all" and give ids instead')
        return True


def _ids() -> serializers.ListField:
    # Non-empty: every topics object the schema allows selects something.
    return serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, min_length=1
    )


class TopicsInput(serializers.Serializer):
    all = OnlyTrueField(required=False, help_text="true: every change (ids then ignored).")
    sports = _ids()
    competitions = _ids()
    events = _ids()

    def to_internal_value(self, data: Any) -> Any:
        unknown = sorted(set(data) - set(self.fields)) if isinstance(data, dict) else []
        if unknown:
            raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


class StrictCharField(serializers.CharField):
    """A JSON string only: DRF would turn 1234567890123456 into "1234567890123456"."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field(OpenApiTypes.URI)
class UriField(StrictCharField):
    pass


class WebhookInput(serializers.Serializer):
    # Checked by services.validate_webhook_url (scheme, host, ASCII): Django's URLValidator
    # also wants a known-looking TLD, which the schema's `uri` format cannot say.
    url = UriField(max_length=200, help_text="HTTPS (plain HTTP only to loopback).")
    secret = StrictCharField(
        min_length=16,
        max_length=128,
        # Printable ASCII: it is used as HMAC key bytes, and stored as text.
        validators=[RegexValidator(r"^[!-~]+$", "printable ASCII characters, no spaces")],
        help_text="16 to 128 printable ASCII characters (no spaces); keep it random.",
    )
    topics = TopicsInput(required=False)  # omitted: every change

    def to_internal_value(self, data: Any) -> Any:
        # A misspelt key ("topic") must not register a webhook for everything.
        unknown = sorted(set(data) - set(self.fields)) if isinstance(data, dict) else []
        if unknown:
            raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


class WebhookOutput(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField()
    topics = serializers.DictField()
    active = serializers.BooleanField()
    cursor = serializers.IntegerField(help_text="Highest sequence delivered.")
    consecutive_failures = serializers.IntegerField()
    disabled_reason = serializers.CharField()
    created_at = serializers.DateTimeField()


class DeliveryOutput(serializers.Serializer):
    sequence = serializers.IntegerField()
    attempt = serializers.IntegerField()
    ok = serializers.BooleanField()
    status_code = serializers.IntegerField(allow_null=True)
    error = serializers.CharField()
    duration_ms = serializers.IntegerField()
    created_at = serializers.DateTimeField()


SCOPE_CHOICES = Scope.choices
