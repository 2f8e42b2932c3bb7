"""Topics: what a page subscribes to, and where a change of an event is published.

`event.<id>`, `competition.<id>`, `sport.<slug>`, `live`, `day.<YYYY-MM-DD>` (UTC date of
kickoff). Names are also valid Channels group names ([A-Za-z0-9._-], < 100 chars).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from scoreboard.models import Event, Status

LIVE = "live"
LIVE_STATUSES = frozenset({Status.LIVE, Status.BREAK})
MAX_TOPICS = 50  # per socket: a page shows a handful; bounded so input stays cheap

_TOPIC_RE = re.compile(
    r"^(?:live|event\.\d{1,18}|competition\.\d{1,18}"
    r"|sport\.[A-Za-z0-9_-]{1,50}|day\.\d{4}-\d{2}-\d{2})$"
)


class InvalidTopics(ValueError):
    """The client asked for topics that are malformed or too many."""


def event_topic(event_id: int) -> str:
    return f"event.{event_id}"


def competition_topic(competition_id: int) -> str:
    return f"competition.{competition_id}"


def sport_topic(slug: str) -> str:
    return f"sport.{slug}"


def day_topic(day: dt.date) -> str:
    return f"day.{day.isoformat()}"


def live_topic(sport_slug: str = "") -> str:
    """What the "Live now" page subscribes to: one sport's topic when it shows one sport
    (it then gets that sport's changes only, not every live match's), else `live`."""
    if sport_slug:
        topic = sport_topic(sport_slug)
        if _TOPIC_RE.match(topic):
            return topic
    return LIVE


def topics_for_event(event: Event, change_data: dict[str, Any] | None = None) -> list[str]:
    """Every topic a change of `event` is published to.

    `live` while the event is live or at a break, and also for the change that takes it
    out of live (`change_data` of a status change carries the previous status), so the
    "Live now" page sees it leave. Likewise a kick-off moved to another day is published
    to the day it leaves as well, whose page then drops the row.
    """
    kickoff_day = event.kickoff.astimezone(dt.UTC).date()
    topics = [
        event_topic(event.pk),
        competition_topic(event.competition_id),
        sport_topic(event.competition.sport.slug),
        day_topic(kickoff_day),
    ]
    was_live = False
    previous = (change_data or {}).get("from")
    if isinstance(previous, dict):
        was_live = previous.get("status") in LIVE_STATUSES
        if isinstance(previous.get("kickoff"), str):
            left = dt.datetime.fromisoformat(previous["kickoff"]).astimezone(dt.UTC).date()
            if left != kickoff_day:
                topics.append(day_topic(left))
    if event.status in LIVE_STATUSES or was_live:
        topics.append(LIVE)
    return topics


def parse_topics(raw: str) -> list[str]:
    """Validate a client's comma-separated topic list (order kept, duplicates dropped)."""
    topics: list[str] = []
    for item in raw.split(","):
        topic = item.strip()
        if not topic:
            continue
        if not _TOPIC_RE.match(topic):
            raise InvalidTopics(f"unknown topic {topic[:40]!r}")
        if topic not in topics:
            topics.append(topic)
    if not topics:
        raise InvalidTopics("no topics")
    if len(topics) > MAX_TOPICS:
        raise InvalidTopics(f"at most {MAX_TOPICS} topics")
    return topics


def detail_event_ids(topics: list[str] | tuple[str, ...]) -> frozenset[int]:
    """Event ids whose detail fragments a socket wants (it subscribed to `event.<id>`)."""
    return frozenset(int(t[6:]) for t in topics if t.startswith("event."))
