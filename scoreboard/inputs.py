"""Parsing of untrusted query values shared by views and consumers."""

from __future__ import annotations

MAX_ID_DIGITS = 18  # below 2**63: fits a bigint column and the change-log sequence


def ascii_int(raw: str, *, max_digits: int = MAX_ID_DIGITS) -> int | None:
    """A non-negative integer in ASCII digits, else None.

    `str.isdigit()` alone is not enough: it is true for "²" and other Unicode digits
    that `int()` then refuses.
    """
    raw = raw.strip()
    if not raw or len(raw) > max_digits or not (raw.isascii() and raw.isdigit()):
        return None
    return int(raw)
