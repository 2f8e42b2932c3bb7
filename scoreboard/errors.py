"""Domain errors: each carries a message fit to show to staff or return from an API."""

from __future__ import annotations


class DomainError(Exception):
    """A change was refused; nothing was written."""


class InvalidChange(DomainError):
    pass


class IllegalTransition(DomainError):
    pass


class StaleEdit(DomainError):
    """The edit was based on an older version of the event than the current one."""

    def __init__(self, message: str, *, expected: int, current: int) -> None:
        super().__init__(message)
        self.expected = expected
        self.current = current
