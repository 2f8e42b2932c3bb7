"""The live world: sports, competitions, teams, events, incidents and the change log.

Live models are written only through `scoreboard.services`: each write bumps the
event's version and appends a `Change` in the same transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class SportKind(models.TextChoices):
    FOOTBALL = "football", "Football"
    BASKETBALL = "basketball", "Basketball"
    ICE_HOCKEY = "ice_hockey", "Ice hockey"
    TENNIS = "tennis", "Tennis"


class Status(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    LIVE = "live", "Live"
    BREAK = "break", "Break"
    FINISHED = "finished", "Finished"
    POSTPONED = "postponed", "Postponed"
    SUSPENDED = "suspended", "Suspended"
    CANCELLED = "cancelled", "Cancelled"
    ABANDONED = "abandoned", "Abandoned"


class Side(models.TextChoices):
    HOME = "home", "Home"
    AWAY = "away", "Away"


class Sport(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=60)
    kind = models.CharField(max_length=20, choices=SportKind.choices)
    display_order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["display_order", "name"]

    def __str__(self) -> str:
        return self.name


class Competition(models.Model):
    sport = models.ForeignKey(Sport, on_delete=models.PROTECT, related_name="competitions")
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=120)
    season = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=60, blank=True)
    display_order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["sport__display_order", "display_order", "name"]

    def __str__(self) -> str:
        return f"{self.name} {self.season}".strip()


class Team(models.Model):
    """A team, or a player in individual sports such as tennis."""

    sport = models.ForeignKey(Sport, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=120)
    short_name = models.CharField(max_length=12, blank=True)
    country = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["sport", "name"], name="team_unique_name_per_sport"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        return self.short_name or self.name


class Event(models.Model):
    """A match. `version` grows by exactly one per change (docs/ARCHITECTURE.md, "The
    change log and its ordering")."""

    # No index of its own: `event_competition_kickoff` starts with it (one index fewer to
    # update per write, and event rows are rewritten on every change).
    competition = models.ForeignKey(
        Competition, on_delete=models.PROTECT, related_name="events", db_index=False
    )
    home = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="home_events")
    away = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="away_events")
    kickoff = models.DateTimeField()
    venue = models.CharField(max_length=120, blank=True)

    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SCHEDULED)
    # Sport-specific period code ("1H", "Q3", "P2", "S2"...); empty before the start.
    period = models.CharField(max_length=8, blank=True)

    # The browser ticks the clock: elapsed seconds at `clock_anchor`, and whether it runs.
    clock_running = models.BooleanField(default=False)
    clock_elapsed = models.PositiveIntegerField(default=0)
    clock_anchor = models.DateTimeField(null=True, blank=True)

    home_score = models.PositiveSmallIntegerField(default=0)
    away_score = models.PositiveSmallIntegerField(default=0)
    # [{"period": "1H", "home": 1, "away": 0}, ...] in play order.
    period_scores = models.JSONField(default=list, blank=True)
    # Sport-specific running state, e.g. tennis points, games and server.
    state = models.JSONField(default=dict, blank=True)
    # "home" / "away" once decided (covers shoot-outs where the score is level).
    winner = models.CharField(max_length=4, choices=Side.choices, blank=True)

    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kickoff", "id"]
        indexes = [
            # "Live now" and the by-day pages: events by status, and by kickoff range.
            models.Index(fields=["status", "kickoff"], name="event_status_kickoff"),
            models.Index(fields=["kickoff"], name="event_kickoff"),
            # Competition page: its events in kickoff order.
            models.Index(fields=["competition", "kickoff"], name="event_competition_kickoff"),
            # Partner API `updated_since` filter.
            models.Index(fields=["updated_at"], name="event_updated_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(home=models.F("away")), name="event_distinct_sides"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.home} v {self.away}"

    @property
    def sport_kind(self) -> str:
        return self.competition.sport.kind

    @property
    def is_live(self) -> bool:
        return self.status in (Status.LIVE, Status.BREAK)


class IncidentKind(models.TextChoices):
    GOAL = "goal", "Goal"
    OWN_GOAL = "own_goal", "Own goal"
    PENALTY_GOAL = "penalty_goal", "Penalty goal"
    PENALTY_MISSED = "penalty_missed", "Penalty missed"
    POINTS = "points", "Points"
    YELLOW_CARD = "yellow_card", "Yellow card"
    RED_CARD = "red_card", "Red card"
    SUBSTITUTION = "substitution", "Substitution"
    PERIOD_START = "period_start", "Period start"
    PERIOD_END = "period_end", "Period end"
    PENALTY = "penalty", "Penalty (minutes)"
    VAR = "var", "VAR review"
    NOTE = "note", "Note"


SCORING_KINDS = frozenset({IncidentKind.GOAL, IncidentKind.OWN_GOAL, IncidentKind.PENALTY_GOAL})


class Incident(models.Model):
    """A timeline entry. Removed incidents stay, marked cancelled with a reason."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="incidents")
    kind = models.CharField(max_length=20, choices=IncidentKind.choices)
    period = models.CharField(max_length=8, blank=True)
    minute = models.PositiveSmallIntegerField(null=True, blank=True)
    added_time = models.PositiveSmallIntegerField(null=True, blank=True)
    side = models.CharField(max_length=4, choices=Side.choices, blank=True)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT)
    player = models.CharField(max_length=120, blank=True)
    detail = models.CharField(max_length=200, blank=True)
    # Points this incident added to `side` (goals, baskets); reverted if it is removed.
    points = models.PositiveSmallIntegerField(default=0)
    cancelled = models.BooleanField(default=False)
    cancel_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["event", "created_at", "id"]

    def __str__(self) -> str:
        minute = f"{self.minute}'" if self.minute is not None else ""
        return f"{minute} {self.get_kind_display()} {self.player}".strip()


class Source(models.TextChoices):
    FEED = "feed", "Feed"
    ADMIN = "admin", "Admin"
    CONSOLE = "console", "Console"
    API = "api", "API"
    SYSTEM = "system", "System"


class Change(models.Model):
    """The change log (transactional outbox). Its id is the global sequence.

    Rows are appended under a transaction-scoped lock (see `services.changelog`) so that
    sequence values become visible in order: readers of "after N" never skip one.
    """

    id = models.BigAutoField(primary_key=True)
    # No index of its own: `change_event_version` starts with it (one index fewer to
    # update per appended change).
    event = models.ForeignKey(
        Event,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="changes",
        db_index=False,
    )
    kind = models.CharField(max_length=30)
    version = models.PositiveIntegerField(default=0)
    payload = models.JSONField(default=dict)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.SYSTEM)
    source_detail = models.CharField(max_length=60, blank=True)  # provider name, etc.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            # Relay: changes committed but never confirmed published.
            models.Index(
                fields=["id"],
                name="change_unpublished",
                condition=models.Q(published_at__isnull=True),
            ),
            # Audit trail and resume of one event: its changes by version.
            models.Index(fields=["event", "version"], name="change_event_version"),
        ]

    def __str__(self) -> str:
        return f"#{self.id} {self.kind} (event {self.event_id} v{self.version})"


class ProviderMapping(models.Model):
    """Maps an upstream provider's id of an object to ours."""

    class Kind(models.TextChoices):
        SPORT = "sport", "Sport"
        COMPETITION = "competition", "Competition"
        TEAM = "team", "Team"
        EVENT = "event", "Event"

    provider = models.CharField(max_length=40)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    provider_id = models.CharField(max_length=80)
    object_id = models.PositiveBigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "kind", "provider_id"], name="provider_mapping_unique"
            ),
        ]
        indexes = [
            # Reverse look-up: which provider ids point at one of our objects.
            models.Index(fields=["kind", "object_id"], name="provider_mapping_object"),
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.kind}:{self.provider_id} → {self.object_id}"
