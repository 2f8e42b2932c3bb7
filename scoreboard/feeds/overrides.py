"""Manual override: staff take a field of an event over from its feed, and hand it back."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from scoreboard.errors import InvalidChange
from scoreboard.models import Event

from .models import FieldLock, LockField


@transaction.atomic
def lock_field(
    *, event: Event | int, field: str, user: AbstractBaseUser | None = None, reason: str = ""
) -> FieldLock:
    """From now on the feed leaves `field` alone for this event (skips are counted)."""
    if field not in LockField.values:
        raise InvalidChange(f"cannot lock {field!r}; choose from {', '.join(LockField.values)}")
    event_id = event.pk if isinstance(event, Event) else event
    lock, _ = FieldLock.objects.get_or_create(
        event_id=event_id,
        field=field,
        defaults={"locked_by": user if user and user.is_authenticated else None, "reason": reason},
    )
    return lock


@transaction.atomic
def release_field(*, event: Event | int, field: str) -> int:
    """Hand the field back to the feed: its next message brings it up to date.

    Returns how many feed updates were skipped while it was locked.
    """
    event_id = event.pk if isinstance(event, Event) else event
    lock = FieldLock.objects.select_for_update().filter(event_id=event_id, field=field).first()
    if lock is None:
        return 0
    skipped = lock.skipped
    lock.delete()
    return skipped
