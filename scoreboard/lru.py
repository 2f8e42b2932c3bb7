"""Bounded per-process memos (an `OrderedDict` in recency order), shared by the renderers
and the live hub: a long-lived process must not grow with every match it has seen."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any


def keep(kept: OrderedDict[Any, Any], key: Any, value: Any, limit: int) -> None:
    """Set `key` as the most recent entry; past `limit`, forget the least recent.

    Not locked: callers shared between threads hold their own lock around it.
    """
    kept[key] = value
    kept.move_to_end(key)
    if len(kept) > limit:
        kept.popitem(last=False)
