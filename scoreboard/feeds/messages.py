"""The provider message format and its parser (pure: no database access).

Every message is a full snapshot of one match as the provider sees it at `seq`/`ts`
(as real push feeds do). That choice makes ordering simple and safe: applying the
newest snapshot brings the event to the provider's state, so an older message that
arrives late can be dropped without losing anything.

    {"id": "m-1-42", "seq": 42, "ts": 1760000000.5, "match": "sim-ft-1",
     "status": "live", "period": "2H", "clock": {"running": true, "elapsed": 610},
     "score": {"home": 1, "away": 0},
     "incidents": [{"id": "i7", "kind": "goal", "period": "1H", "minute": 12,
                    "side": "home", "player": "N. Okafor", "points": 1, "cancelled": false}],
     "points": "HHAH"}          # tennis only: who won each point, in order
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from scoreboard.models import IncidentKind, Status

MAX_INCIDENTS = 2000
MAX_POINTS = 2000
MAX_MINUTE = 1000  # no sport's clock shows more minutes; the column holds up to 32767


class MalformedMessage(ValueError):
    """The message cannot be understood; the reason is stored with it in quarantine."""


@dataclass(frozen=True)
class IncidentSpec:
    key: str
    kind: str
    period: str
    minute: int | None
    side: str
    player: str
    points: int
    detail: str
    cancelled: bool


@dataclass(frozen=True)
class FeedMessage:
    message_id: str
    seq: int
    ts: float
    match: str
    status: str
    period: str
    home: int
    away: int
    clock_running: bool | None
    clock_elapsed: int | None
    incidents: tuple[IncidentSpec, ...]
    points: str | None

    @property
    def pending_keys(self) -> frozenset[str]:
        return frozenset(i.key for i in self.incidents if not i.cancelled)


def _field(raw: dict[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    if name not in raw:
        raise MalformedMessage(f"missing field {name!r}")
    value = raw[name]
    # bool is an int in Python; never accept it where a number is meant.
    if isinstance(value, bool) and kind is not bool:
        raise MalformedMessage(f"field {name!r} has the wrong type")
    if not isinstance(value, kind):
        raise MalformedMessage(f"field {name!r} has the wrong type")
    return value


def _text(raw: dict[str, Any], name: str, max_len: int, required: bool = True) -> str:
    if not required and name not in raw:
        return ""
    value = _field(raw, name, str)
    if required and not value:
        raise MalformedMessage(f"field {name!r} is empty")
    if len(value) > max_len:
        raise MalformedMessage(f"field {name!r} is longer than {max_len}")
    # PostgreSQL text holds neither NUL nor lone surrogates (which JSON can carry): refused
    # here, they would fail the batch's write instead.
    if "\x00" in value or (not value.isascii() and not _encodable(value)):
        raise MalformedMessage(f"field {name!r} holds characters that cannot be stored")
    return value


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _count(raw: dict[str, Any], name: str) -> int:
    value = _field(raw, name, int)
    if value < 0 or value > 10_000:
        raise MalformedMessage(f"field {name!r} is out of range")
    return value


# Enum `.values` builds a new list per call; a snapshot carries dozens of incidents.
INCIDENT_KINDS = frozenset(IncidentKind.values)
STATUSES = frozenset(Status.values)


def _incident(raw: Any) -> IncidentSpec:
    if not isinstance(raw, dict):
        raise MalformedMessage("an incident is not an object")
    kind = _text(raw, "kind", 20)
    if kind not in INCIDENT_KINDS:
        raise MalformedMessage(f"unknown incident kind {kind!r}")
    side = _text(raw, "side", 4, required=False)
    if side not in ("", "home", "away"):
        raise MalformedMessage(f"unknown side {side!r}")
    minute = raw.get("minute")
    if minute is not None and (
        isinstance(minute, bool) or not isinstance(minute, int) or not 0 <= minute <= MAX_MINUTE
    ):
        raise MalformedMessage(f"incident minute must be an integer 0..{MAX_MINUTE} or null")
    points = raw.get("points", 0)
    if isinstance(points, bool) or not isinstance(points, int) or not 0 <= points <= 3:
        raise MalformedMessage("incident points must be 0..3")
    return IncidentSpec(
        key=_text(raw, "id", 80),
        kind=kind,
        period=_text(raw, "period", 8),
        minute=minute,
        side=side,
        player=_text(raw, "player", 120, required=False),
        points=points,
        detail=_text(raw, "detail", 200, required=False),
        cancelled=bool(raw.get("cancelled", False)),
    )


# Snapshots repeat every earlier incident of their match, so most incidents of a message
# were validated before: an identical raw incident reuses its spec (a dict comparison
# instead of a dozen checks). Bounded: cleared when full, it refills in one snapshot.
_SEEN: dict[str, tuple[dict[str, Any], IncidentSpec]] = {}
SEEN_MAX = 100_000


def _known_incident(raw: Any) -> IncidentSpec:
    key = raw.get("id") if isinstance(raw, dict) else None
    if isinstance(key, str):
        seen = _SEEN.get(key)
        if seen is not None and seen[0] == raw:
            return seen[1]
    spec = _incident(raw)
    if len(_SEEN) >= SEEN_MAX:
        _SEEN.clear()
    _SEEN[spec.key] = (dict(raw), spec)
    return spec


def parse_message(raw: Any) -> FeedMessage:
    """Validate one raw message (already JSON-decoded) into a FeedMessage."""
    if not isinstance(raw, dict):
        raise MalformedMessage("a message must be a JSON object")
    ts = _epoch(_field(raw, "ts", (int, float)))
    status = _text(raw, "status", 12)
    if status not in STATUSES:
        raise MalformedMessage(f"unknown status {status!r}")
    score = _field(raw, "score", dict)
    clock = raw.get("clock")
    if clock is not None and not isinstance(clock, dict):
        raise MalformedMessage("field 'clock' must be an object")
    incidents = _field(raw, "incidents", list) if "incidents" in raw else []
    if len(incidents) > MAX_INCIDENTS:
        raise MalformedMessage("too many incidents")
    points = raw.get("points")
    if points is not None and (
        not isinstance(points, str) or len(points) > MAX_POINTS or set(points) - {"H", "A"}
    ):
        raise MalformedMessage("field 'points' must be a string of H and A")
    specs = tuple(_known_incident(item) for item in incidents)
    if len({spec.key for spec in specs}) != len(specs):
        raise MalformedMessage("incident ids repeat")
    return FeedMessage(
        message_id=_text(raw, "id", 100),
        seq=_seq(raw),
        ts=ts,
        match=_text(raw, "match", 80),
        status=status,
        period=_text(raw, "period", 8, required=False),
        home=_count(score, "home"),
        away=_count(score, "away"),
        clock_running=bool(clock["running"]) if clock and "running" in clock else None,
        clock_elapsed=_count(clock, "elapsed") if clock and "elapsed" in clock else None,
        incidents=specs,
        points=points,
    )


def _epoch(value: int | float) -> float:
    # JSON integers are unbounded: 10**400 does not even convert to a float.
    try:
        ts = float(value)
    except OverflowError:
        raise MalformedMessage("field 'ts' must be a positive epoch time") from None
    if not math.isfinite(ts) or ts <= 0:
        raise MalformedMessage("field 'ts' must be a positive epoch time")
    return ts


def clock_skew_error(ts: float, now: float, *, past: float, future: float) -> str | None:
    """Why `ts` is refused, if it lies outside [now - past, now + future] (else None).

    A message dated ahead would make every genuine later one look stale (its event
    frozen); one dated far back is either a replay or a broken provider clock.
    """
    if ts > now + future:
        return f"ts is {ts - now:.0f}s ahead of our clock (more than {future:.0f}s)"
    if ts < now - past:
        return f"ts is {now - ts:.0f}s behind our clock (more than {past:.0f}s)"
    return None


def _seq(raw: dict[str, Any]) -> int:
    value = _field(raw, "seq", int)
    if value < 0 or value > 2**62:
        raise MalformedMessage("field 'seq' is out of range")
    return value
