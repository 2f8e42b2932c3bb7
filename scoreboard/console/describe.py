"""One line of plain text per change, for the audit trail and the conflict message."""

from __future__ import annotations

from typing import Any

from scoreboard.models import Change, IncidentKind, Status


def _incident(data: dict[str, Any]) -> str:
    incident = data.get("incident") or {}
    try:
        label = IncidentKind(incident.get("kind", "")).label
    except ValueError:
        label = incident.get("kind", "incident")
    parts = [label]
    if incident.get("side"):
        parts.append(f"({incident['side']})")
    if incident.get("player"):
        parts.append(incident["player"])
    if incident.get("minute") is not None:
        parts.append(f"{incident['minute']}'")
    return " ".join(parts)


def _status(value: dict[str, Any]) -> str:
    try:
        label = Status(value.get("status", "")).label
    except ValueError:
        label = value.get("status", "?")
    return f"{label} {value.get('period', '')}".strip()


def describe_change(change: Change) -> str:
    data: dict[str, Any] = (change.payload or {}).get("data") or {}
    snapshot: dict[str, Any] = (change.payload or {}).get("event") or {}
    score = (
        f" → {snapshot.get('home_score')}-{snapshot.get('away_score')}"
        if "home_score" in snapshot
        else ""
    )
    kind = change.kind
    if kind == "event_created":
        return "Event created"
    if kind == "details":
        return "Details changed: " + ", ".join(sorted(set(data) - {"from"}))
    if kind == "status":
        return f"Status {_status(data.get('from', {}))} → {_status(data.get('to', {}))}"
    if kind == "clock":
        minutes, seconds = divmod(int(data.get("elapsed") or 0), 60)
        state = "started" if data.get("running") else "stopped"
        return f"Clock {state} at {minutes}:{seconds:02d}"
    if kind == "score":
        if data.get("incident"):
            return f"{_incident(data)}{score}"
        return f"Point {data.get('side', '')}{score}"
    if kind == "score_corrected":
        return f"Score set to {data.get('home')}-{data.get('away')} ({data.get('reason', '')})"
    if kind == "incident_added":
        return _incident(data)
    if kind == "incident_corrected":
        return f"Corrected {_incident(data)} ({data.get('reason', '')})"
    if kind == "incident_removed":
        return f"Removed {_incident(data)} ({data.get('reason', '')}){score}"
    return kind.replace("_", " ").capitalize()
