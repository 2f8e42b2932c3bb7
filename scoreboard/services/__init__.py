"""The service layer: every write to the live world goes through these functions.

Each is atomic, takes keyword-only arguments, bumps the event's version and appends
one change-log row that is published after commit.
"""

from __future__ import annotations

from .changelog import SYSTEM, Actor, append_change, event_snapshot
from .events import (
    change_status,
    clock_elapsed_now,
    create_event,
    current_minute,
    lock_event,
    record_score,
    set_clock,
    set_score,
    update_event_details,
)
from .incidents import add_incident, correct_incident, remove_incident

__all__ = [
    "SYSTEM",
    "Actor",
    "add_incident",
    "append_change",
    "change_status",
    "clock_elapsed_now",
    "correct_incident",
    "create_event",
    "current_minute",
    "event_snapshot",
    "lock_event",
    "record_score",
    "remove_incident",
    "set_clock",
    "set_score",
    "update_event_details",
]
