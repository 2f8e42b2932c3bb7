"""Reads of the partner API: querysets with their joins, standings, the changes feed."""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import Any, NamedTuple

from django.db import close_old_connections
from django.db.models import Prefetch, Q, QuerySet, Subquery

from scoreboard import selectors as scoreboard_selectors
from scoreboard.models import Change, Competition, Event, Incident, Sport, Status, Team
from scoreboard.selectors import StandingRow, TableKind

from .models import ReferenceVersion


def sports() -> QuerySet[Sport]:
    return Sport.objects.order_by("display_order", "name", "id")


def competitions(*, sport: str | None = None) -> QuerySet[Competition]:
    qs = Competition.objects.select_related("sport").order_by(
        "sport__display_order", "display_order", "name", "id"
    )
    if sport:
        qs = qs.filter(sport__slug=sport)
    return qs


def teams(*, sport: str | None = None, competition: int | None = None) -> QuerySet[Team]:
    qs = Team.objects.select_related("sport").order_by("name", "id")
    if sport:
        qs = qs.filter(sport__slug=sport)
    if competition:
        in_comp = Event.objects.filter(competition_id=competition)
        qs = qs.filter(Q(id__in=in_comp.values("home_id")) | Q(id__in=in_comp.values("away_id")))
    return qs


def events(
    *,
    sport: str | None = None,
    competition: int | None = None,
    status: list[str] | None = None,
    team: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    updated_since: dt.datetime | None = None,
) -> QuerySet[Event]:
    """Events for the list endpoint; the paginator orders them by (kickoff, id)."""
    qs = Event.objects.select_related("competition__sport", "home", "away")
    if sport:
        qs = qs.filter(competition__sport__slug=sport)
    if competition:
        qs = qs.filter(competition_id=competition)
    if status:
        qs = qs.filter(status__in=status)
    if team:
        qs = qs.filter(Q(home_id=team) | Q(away_id=team))
    # Date range on the UTC kick-off date, both ends inclusive.
    if date_from:
        qs = qs.filter(kickoff__gte=_utc_midnight(date_from))
    if date_to:
        qs = qs.filter(kickoff__lt=_utc_midnight(date_to + dt.timedelta(days=1)))
    if updated_since:
        qs = qs.filter(updated_at__gt=updated_since)
    return qs


def _utc_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def event_detail(event_id: int) -> Event | None:
    return (
        Event.objects.select_related("competition__sport", "home", "away")
        .prefetch_related(
            Prefetch("incidents", queryset=Incident.objects.order_by("created_at", "id"))
        )
        .filter(pk=event_id)
        .first()
    )


class Versions(NamedTuple):
    """What the data in a response depends on: all of it committed state, read at once."""

    seq: int  # the highest visible change sequence
    seq_at: dt.datetime | None
    reference: int  # the reference-data version (triggers raise it in the edit's commit)
    reference_at: dt.datetime | None


def versions() -> Versions:
    """The latest sequence and the reference version, in one query (two index reads)."""
    latest = Change.objects.order_by("-id")
    row = (
        ReferenceVersion.objects.filter(pk=1)
        .annotate(
            seq=Subquery(latest.values("id")[:1]),
            seq_at=Subquery(latest.values("created_at")[:1]),
        )
        .values_list("seq", "seq_at", "version", "changed_at")
        .first()
    )
    if row is None:  # no reference edit yet (a fresh or flushed database)
        seq, seq_at = latest_change()
        return Versions(seq, seq_at, 0, None)
    seq, seq_at, version, changed_at = row
    return Versions(seq or 0, seq_at, version, changed_at)


def event_validator(event_id: int) -> tuple[int, dt.datetime, int] | None:
    """(version, updated_at, reference version) of one event: one primary-key read."""
    reference = ReferenceVersion.objects.filter(pk=1).values("version")
    row = (
        Event.objects.filter(pk=event_id)
        .annotate(reference=Subquery(reference[:1]))
        .values_list("version", "updated_at", "reference")
        .first()
    )
    return None if row is None else (row[0], row[1], row[2] or 0)


def latest_change() -> tuple[int, dt.datetime | None]:
    """The highest visible sequence and its time: one backward index scan."""
    row = Change.objects.order_by("-id").values_list("id", "created_at").first()
    return row if row else (0, None)


def api_timestamp(moment: dt.datetime) -> str:
    """The API's one timestamp format (as in REST bodies): ISO 8601 in UTC with `Z`."""
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


_LOGGED_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?\+00:00$")


def api_payload(value: Any) -> Any:
    """A change's payload with its logged UTC times (`+00:00`) in the API's `Z` format."""
    if isinstance(value, dict):
        return {key: api_payload(item) for key, item in value.items()}
    if isinstance(value, list):
        return [api_payload(item) for item in value]
    if isinstance(value, str) and _LOGGED_UTC.match(value):
        return value[:-6] + "Z"
    return value


def changes_after(after: int, limit: int) -> list[Change]:
    """Changes with sequence > after, in sequence order.

    `append_change` holds an advisory lock from insert to commit, so sequences become
    visible in order: whatever this one query sees has no lower sequence still to come.
    """
    return list(
        Change.objects.filter(id__gt=after)
        .order_by("id")
        .only("id", "event_id", "kind", "version", "payload", "created_at")[:limit]
    )


def wait_for_changes(after: int, limit: int, *, wait: float, interval: float) -> list[Change]:
    """Long-poll: re-read every `interval` seconds until changes arrive or `wait` passes.

    Sleeping between reads (no busy loop); each read is one indexed query.
    """
    deadline = time.monotonic() + wait
    while True:
        found = changes_after(after, limit)
        remaining = deadline - time.monotonic()
        if found or remaining <= 0:
            return found
        time.sleep(min(interval, remaining))
        close_old_connections()


def standings(competition: Competition) -> tuple[TableKind, list[StandingRow]]:
    """The competition's table, computed as on its page (one query)."""
    finished = Event.objects.filter(competition=competition, status=Status.FINISHED)
    return scoreboard_selectors.standings(
        finished.select_related("home", "away"), sport_kind=competition.sport.kind
    )
