"""The event status state machine. Every entry point goes through `check_transition`."""

from __future__ import annotations

from scoreboard.errors import IllegalTransition
from scoreboard.models import Status

TRANSITIONS: dict[str, frozenset[str]] = {
    Status.SCHEDULED: frozenset({Status.LIVE, Status.POSTPONED, Status.CANCELLED}),
    Status.LIVE: frozenset({Status.BREAK, Status.FINISHED, Status.SUSPENDED, Status.ABANDONED}),
    Status.BREAK: frozenset({Status.LIVE, Status.FINISHED, Status.SUSPENDED, Status.ABANDONED}),
    Status.SUSPENDED: frozenset({Status.LIVE, Status.ABANDONED}),
    Status.POSTPONED: frozenset({Status.SCHEDULED, Status.CANCELLED}),
    Status.FINISHED: frozenset(),
    Status.CANCELLED: frozenset(),
    Status.ABANDONED: frozenset(),
}

TERMINAL = frozenset(status for status, targets in TRANSITIONS.items() if not targets)


def check_transition(current: str, target: str) -> None:
    if target not in TRANSITIONS:
        raise IllegalTransition(f"unknown status {target!r}")
    if target not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(TRANSITIONS[current])) or "nothing (final)"
        raise IllegalTransition(
            f"cannot change status from {Status(current).label} to {Status(target).label}; "
            f"allowed: {allowed}"
        )
