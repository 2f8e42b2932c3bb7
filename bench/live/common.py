"""Shared helpers: CPU time from /proc, percentiles, frame parsing (no Django imports)."""

from __future__ import annotations

import contextlib
import math
import os
import re
from collections.abc import Iterable, Sequence

_CLK_TCK = os.sysconf("SC_CLK_TCK")

# The cursor element of an HTML frame (docs/ARCHITECTURE.md, "Live delivery").
_CURSOR_TAG = re.compile(r'<[^>]*\bid="live-cursor"[^>]*>')
_SEQ = re.compile(r'\bdata-seq="(\d+)"')
# A fragment root: any tag carrying data-event (and data-version).
_EVENT_TAG = re.compile(r'<[^>]*\bdata-event="(\d+)"[^>]*>')
_VERSION = re.compile(r'\bdata-version="(\d+)"')


def proc_cpu_seconds(pid: int) -> float:
    """utime + stime of one process (not its children), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        raw = f.read()
    # Field 2 (comm) may contain spaces: split after its closing parenthesis.
    fields = raw[raw.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / _CLK_TCK


def cpu_of(pids: Iterable[int]) -> float:
    total = 0.0
    for pid in pids:
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            total += proc_cpu_seconds(pid)
    return total


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted sequence (q in 0..100)."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def frame_seq(frame: str) -> int | None:
    """The highest sequence a frame carries (its live-cursor), or None."""
    tag = _CURSOR_TAG.search(frame)
    if tag is None:
        return None
    seq = _SEQ.search(tag.group(0))
    return int(seq.group(1)) if seq else None


def frame_versions(frame: str) -> dict[int, int]:
    """event id -> highest data-version among the frame's fragment roots."""
    found: dict[int, int] = {}
    for tag in _EVENT_TAG.finditer(frame):
        version = _VERSION.search(tag.group(0))
        if version is None:
            continue
        event, ver = int(tag.group(1)), int(version.group(1))
        if ver > found.get(event, -1):
            found[event] = ver
    return found


# The single group of the textbook alternative (every socket a member).
GROUP = "bench-live"
