"""Reads for the public pages and the live fragments.

Every page reads through one of these functions; each issues a fixed, small number of
queries whatever the number of events (tests pin the counts). Rows carry annotations
(red cards per side, time of the last goal) so the templates never query.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal
from zoneinfo import ZoneInfo

from django.db import DatabaseError, transaction
from django.db.models import Count, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404

from scoreboard.models import (
    SCORING_KINDS,
    Change,
    Competition,
    Event,
    Incident,
    IncidentKind,
    Side,
    Sport,
    SportKind,
    Status,
    Team,
    search_key,
)

logger = logging.getLogger(__name__)

LIVE_STATUSES = (Status.LIVE, Status.BREAK)
UPCOMING = (Status.SCHEDULED, Status.POSTPONED)
_SCORING = Q(incidents__kind__in=[*SCORING_KINDS, IncidentKind.POINTS]) & Q(incidents__points__gt=0)
_SCORING_KINDS = (*SCORING_KINDS, IncidentKind.POINTS)


def latest_sequence() -> int:
    """The highest change id: a page's resume cursor. Read it BEFORE the page's data,
    so a change committed in between is replayed rather than missed."""
    return Change.objects.aggregate(seq=Max("id"))["seq"] or 0


def event_rows() -> QuerySet[Event]:
    """Events as list rows: teams, competition, sport, red cards and last goal in one query."""
    live_incident = Q(incidents__cancelled=False)
    return Event.objects.select_related("competition__sport", "home", "away").annotate(
        red_home=Count(
            "incidents",
            filter=live_incident
            & Q(incidents__kind=IncidentKind.RED_CARD, incidents__side=Side.HOME),
        ),
        red_away=Count(
            "incidents",
            filter=live_incident
            & Q(incidents__kind=IncidentKind.RED_CARD, incidents__side=Side.AWAY),
        ),
        last_goal_at=Max("incidents__created_at", filter=live_incident & _SCORING),
        # The latest goal taken back (VAR), and why: the row says "Goal disallowed".
        last_disallowed_at=Subquery(_disallowed().values("cancelled_at")[:1]),
        disallowed_reason=Subquery(_disallowed().values("cancel_reason")[:1]),
    )


def _disallowed() -> QuerySet[Incident]:
    return Incident.objects.filter(
        event=OuterRef("pk"),
        cancelled=True,
        cancelled_at__isnull=False,
        kind__in=_SCORING_KINDS,
        points__gt=0,
    ).order_by("-cancelled_at")


@dataclass
class CompetitionGroup:
    competition: Competition
    events: list[Event] = field(default_factory=list)


@dataclass
class SportGroup:
    sport: Sport
    competitions: list[CompetitionGroup] = field(default_factory=list)

    @property
    def event_count(self) -> int:
        return sum(len(group.events) for group in self.competitions)


def group_events(events: Iterable[Event]) -> list[SportGroup]:
    """Group rows (already ordered by sport, competition) into sport > competition sections."""
    sports: list[SportGroup] = []
    for event in events:
        competition = event.competition
        if not sports or sports[-1].sport.pk != competition.sport_id:
            sports.append(SportGroup(sport=competition.sport))
        groups = sports[-1].competitions
        if not groups or groups[-1].competition.pk != competition.pk:
            groups.append(CompetitionGroup(competition=competition))
        groups[-1].events.append(event)
    return sports


_BOARD_ORDER = (
    "competition__sport__display_order",
    "competition__sport__name",
    "competition__display_order",
    "competition__name",
    "kickoff",
    "id",
)


def live_events(*, sport: str | None = None) -> list[SportGroup]:
    """Live now: events live or at a break, by sport and competition (one query)."""
    rows = event_rows().filter(status__in=LIVE_STATUSES)
    if sport:
        rows = rows.filter(competition__sport__slug=sport)
    return group_events(rows.order_by(*_BOARD_ORDER))


def sports() -> list[Sport]:
    return list(Sport.objects.all())


def day_bounds(day: dt.date, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants where the local day `day` in `tz` starts and ends."""
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def day_events(*, day: dt.date, tz: ZoneInfo) -> list[SportGroup]:
    """By day: every event kicking off during the local day (any status), one query."""
    start, end = day_bounds(day, tz)
    rows = event_rows().filter(kickoff__gte=start, kickoff__lt=end)
    return group_events(rows.order_by(*_BOARD_ORDER))


TableKind = Literal["points", "wins"]


@dataclass
class StandingRow:
    team: Team
    live: bool = False  # playing now: counted at the current score ("as it stands")
    played: int = 0
    won: int = 0
    drawn: int = 0
    lost: int = 0
    scored: int = 0
    conceded: int = 0

    @property
    def difference(self) -> int:
        return self.scored - self.conceded

    @property
    def points(self) -> int:
        """Football's 3 a win, 1 a draw (shown in "points" tables only)."""
        return 3 * self.won + self.drawn


@dataclass
class CompetitionPage:
    competition: Competition
    live: list[Event]
    upcoming: list[Event]
    results: list[Event]
    table_kind: TableKind
    standings: list[StandingRow]

    @property
    def events(self) -> list[Event]:
        return [*self.live, *self.upcoming, *self.results]

    @property
    def table(self) -> Table:
        return Table(self.competition, self.table_kind, self.standings)


def standings(events: Iterable[Event], *, sport_kind: str) -> tuple[TableKind, list[StandingRow]]:
    """The table from the finished ones of `events` (with `home` and `away` loaded),
    and the live ones as they stand: counted at their current score, rows marked `live`.

    Football is a "points" table: 3 a win, 1 a draw, ordered by points, goal difference,
    goals scored. Other sports are "wins" tables, ordered by wins then points difference:
    their ties are settled in overtime or shoot-outs, and `winner` says who won.
    """
    table: dict[int, StandingRow] = {}
    for event in events:
        live = event.status in LIVE_STATUSES
        if event.status != Status.FINISHED and not live:
            continue
        winner = event.winner
        if live:  # as it stands: whoever leads now
            winner = (
                ""
                if event.home_score == event.away_score
                else (Side.HOME if event.home_score > event.away_score else Side.AWAY)
            )
        sides = (
            (event.home, event.home_score, event.away_score, Side.HOME),
            (event.away, event.away_score, event.home_score, Side.AWAY),
        )
        for team, scored, conceded, side in sides:
            row = table.setdefault(team.pk, StandingRow(team=team))
            row.live = row.live or live
            row.played += 1
            row.scored += scored
            row.conceded += conceded
            if winner == side:
                row.won += 1
            elif winner:
                row.lost += 1
            else:
                row.drawn += 1
    rows = list(table.values())
    # Name, then id, last: equal records still come out in a stable order.
    if sport_kind == SportKind.FOOTBALL:
        rows.sort(key=lambda r: (-r.points, -r.difference, -r.scored, r.team.name, r.team.pk))
        return "points", rows
    rows.sort(key=lambda r: (-r.won, -r.difference, -r.scored, r.team.name, r.team.pk))
    return "wins", rows


def competition_page(*, slug: str) -> CompetitionPage:
    """A competition's events (live, upcoming, results) and its table: two queries."""
    competition = get_object_or_404(Competition.objects.select_related("sport"), slug=slug)
    rows = list(event_rows().filter(competition=competition).order_by("kickoff", "id"))
    table_kind, table = standings(rows, sport_kind=competition.sport.kind)
    return CompetitionPage(
        competition=competition,
        live=[e for e in rows if e.status in LIVE_STATUSES],
        upcoming=[e for e in rows if e.status in UPCOMING],
        results=sorted(
            (e for e in rows if e.status not in (*LIVE_STATUSES, *UPCOMING)),
            key=lambda e: e.kickoff,
            reverse=True,
        ),
        table_kind=table_kind,
        standings=table,
    )


@dataclass
class Table:
    competition: Competition
    table_kind: TableKind
    standings: list[StandingRow]

    @property
    def in_play(self) -> bool:
        return any(row.live for row in self.standings)


def competition_table(*, competition_id: int) -> Table:
    """A competition's table alone (live publishing: one query for the events)."""
    competition = Competition.objects.select_related("sport").get(pk=competition_id)
    rows = Event.objects.select_related("home", "away").filter(
        competition_id=competition_id, status__in=(Status.FINISHED, *LIVE_STATUSES)
    )
    table_kind, table = standings(rows, sport_kind=competition.sport.kind)
    return Table(competition=competition, table_kind=table_kind, standings=table)


# --- teams, search, followed matches ---------------------------------------------------


@dataclass
class TeamPage:
    team: Team
    live: list[Event]
    upcoming: list[Event]
    results: list[Event]
    competitions: list[Competition]

    @property
    def events(self) -> list[Event]:
        return [*self.live, *self.upcoming, *self.results]


TEAM_PAGE_FIXTURES = 5
TEAM_PAGE_RESULTS = 5


def team_page(*, slug: str) -> TeamPage:
    """A team's live match, next fixtures, last results and competitions (four queries)."""
    team = get_object_or_404(Team.objects.select_related("sport"), slug=slug)
    mine = event_rows().filter(Q(home=team) | Q(away=team))
    live = list(mine.filter(status__in=LIVE_STATUSES).order_by("kickoff", "id"))
    upcoming = list(mine.filter(status__in=UPCOMING).order_by("kickoff", "id")[:TEAM_PAGE_FIXTURES])
    done = mine.exclude(status__in=(*LIVE_STATUSES, *UPCOMING)).order_by("-kickoff", "-id")
    competitions = list(
        Competition.objects.filter(Q(events__home=team) | Q(events__away=team))
        .select_related("sport")
        .distinct()
    )
    return TeamPage(
        team=team,
        live=live,
        upcoming=upcoming,
        results=list(done[:TEAM_PAGE_RESULTS]),
        competitions=competitions,
    )


@dataclass
class SearchResults:
    query: str
    teams: list[Team]
    competitions: list[Competition]


SEARCH_MIN_LENGTH = 2
SEARCH_LIMIT = 20


def search(query: str) -> SearchResults:
    """Teams and competitions whose name contains `query`, accents and case ignored (the
    stored `search_name` is folded the same way, so this is one plain LIKE per model)."""
    key = search_key(query)[:60]
    if len(key) < SEARCH_MIN_LENGTH:
        return SearchResults(query=query, teams=[], competitions=[])
    teams = Team.objects.select_related("sport").filter(search_name__contains=key)
    competitions = Competition.objects.select_related("sport").filter(search_name__contains=key)
    return SearchResults(
        query=query,
        teams=list(teams.order_by("name", "id")[:SEARCH_LIMIT]),
        competitions=list(competitions.order_by("name", "id")[:SEARCH_LIMIT]),
    )


@dataclass(frozen=True)
class Followed:
    """What a fan follows, as live.js mirrors it into the `follow` cookie: `t12-t7-e301`."""

    teams: frozenset[int] = frozenset()
    events: frozenset[int] = frozenset()

    MAX_IDS = 100  # a cookie is small; more than this is not a fan's list

    @classmethod
    def parse(cls, raw: str | None) -> Followed:
        teams: set[int] = set()
        events: set[int] = set()
        for item in (raw or "").split("-")[: cls.MAX_IDS]:
            kind, number = item[:1], item[1:]
            if number.isdigit() and len(number) <= 18:
                (teams if kind == "t" else events if kind == "e" else set()).add(int(number))
        return cls(frozenset(teams), frozenset(events))

    def __bool__(self) -> bool:
        return bool(self.teams or self.events)

    def follows(self, event: Event) -> bool:
        return event.pk in self.events or event.home_id in self.teams or event.away_id in self.teams


def split_followed(
    groups: list[SportGroup], followed: Followed
) -> tuple[list[Event], list[SportGroup]]:
    """("My matches", the other groups): followed events are moved, not copied (a row's
    id is unique on a page: live updates find it by id)."""
    if not followed:
        return [], groups
    mine: list[Event] = []
    rest: list[SportGroup] = []
    for group in groups:
        kept = SportGroup(sport=group.sport)
        for cgroup in group.competitions:
            others = [e for e in cgroup.events if not followed.follows(e)]
            mine.extend(e for e in cgroup.events if followed.follows(e))
            if others:
                kept.competitions.append(CompetitionGroup(cgroup.competition, others))
        if kept.competitions:
            rest.append(kept)
    return mine, rest


def _detail_rows() -> QuerySet[Event]:
    # No aggregates here: the whole timeline comes along, so `count_marks` finds what
    # `event_rows()` annotates. Compiling those aggregates took the publisher more CPU
    # than rendering an event.
    incidents = Incident.objects.select_related("team").order_by("created_at", "id")
    return Event.objects.select_related("competition__sport", "home", "away").prefetch_related(
        Prefetch("incidents", queryset=incidents)
    )


def count_marks(event: Event, incidents: Iterable[Any]) -> Event:
    """`event_rows()`'s annotations (red cards, last goal), from the event's incidents
    (models or rows with the same attributes) in hand."""
    standing = [i for i in incidents if not i.cancelled]
    reds = [i.side for i in standing if i.kind == IncidentKind.RED_CARD]
    event.red_home, event.red_away = reds.count(Side.HOME), reds.count(Side.AWAY)
    scoring = _SCORING_KINDS
    event.last_goal_at = max(
        (i.created_at for i in standing if i.kind in scoring and i.points > 0), default=None
    )
    taken_back = [
        i
        for i in incidents
        if i.cancelled and i.cancelled_at is not None and i.kind in scoring and i.points > 0
    ]
    latest = max(taken_back, key=lambda i: i.cancelled_at, default=None)
    event.last_disallowed_at = latest.cancelled_at if latest is not None else None
    event.disallowed_reason = latest.cancel_reason if latest is not None else ""
    return event


def event_detail(*, event_id: int) -> Event:
    """One event with its whole timeline, cancelled incidents included (two queries)."""
    event = get_object_or_404(_detail_rows(), pk=event_id)
    return count_marks(event, event.incidents.all())


def events_by_id(*, event_ids: Iterable[int]) -> dict[int, Event]:
    """Events with their competition, sport and teams, in one query (absent ids are left
    out), without timelines or marks: the publisher attaches both from the incident rows it
    reads (`live.timelines.attach_timelines`)."""
    rows = Event.objects.select_related("competition__sport", "home", "away")
    return {event.pk: event for event in rows.filter(pk__in=list(event_ids))}


def event_row(*, event_id: int) -> Event:
    return get_object_or_404(event_rows(), pk=event_id)


def feed_delayed_event_ids() -> frozenset[int]:
    """Events whose upstream feed is silent, from the ingestion app when it provides
    `scoreboard.feeds.health.feed_delayed_event_ids()`; none until then."""
    try:
        health = importlib.import_module("scoreboard.feeds.health")
    except ModuleNotFoundError as exc:
        if exc.name != "scoreboard.feeds.health":
            raise  # the module exists but is broken: say so
        return frozenset()
    provider = getattr(health, "feed_delayed_event_ids", None)
    if provider is None:
        return frozenset()
    try:
        # A savepoint, so a failing read (e.g. its tables not migrated yet) costs the
        # badge, not the page nor the caller's transaction.
        with transaction.atomic():
            return frozenset(provider())
    except DatabaseError:
        logger.warning("feed health unavailable; pages show no 'feed delayed' badge", exc_info=True)
        return frozenset()


def is_feed_delayed(event: Event, delayed: frozenset[int] | None = None) -> bool:
    if delayed is None:
        delayed = feed_delayed_event_ids()
    return event.pk in delayed


def mark_feed_delayed(events: Iterable[Event]) -> None:
    """Set `feed_delayed` on each event (asks the ingestion app once per render)."""
    delayed = feed_delayed_event_ids()
    for event in events:
        event.feed_delayed = is_feed_delayed(event, delayed)
