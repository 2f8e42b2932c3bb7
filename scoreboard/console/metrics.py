"""Live metrics for the console's charts: open connections, messages/s, latency p50/p99.

Delivery metrics (`scoreboard.live.metrics`, built by the delivery work) are read when
present; otherwise the console falls back to what the change log itself tells: changes
per second and commit-to-publish latency over the last minute. Each value says where it
came from so the charts never pass one off as the other.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import time
from collections import deque
from typing import Any

from django.db.models import F
from django.utils import timezone

from scoreboard.models import Change

logger = logging.getLogger(__name__)

WINDOW = dt.timedelta(minutes=1)


def _delivery() -> Any | None:
    try:
        return importlib.import_module("scoreboard.live.metrics")
    except ImportError:
        return None


def _quantile(sorted_values: list[float], q: float) -> float | None:
    if not sorted_values:
        return None
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


def _from_change_log(now: dt.datetime) -> dict[str, Any]:
    recent = Change.objects.filter(created_at__gte=now - WINDOW)
    count_10s = recent.filter(created_at__gte=now - dt.timedelta(seconds=10)).count()
    latencies = sorted(
        (row.total_seconds() * 1000.0)
        for row in recent.filter(published_at__isnull=False)
        .annotate(lag=F("published_at") - F("created_at"))
        .values_list("lag", flat=True)[:5000]
        if row is not None
    )
    return {
        "messages_per_s": round(count_10s / 10.0, 2),
        "messages_source": "changes/s (change log)",
        "latency_p50_ms": _quantile(latencies, 0.50),
        "latency_p99_ms": _quantile(latencies, 0.99),
        "latency_source": "commit→publish (change log)",
    }


Buckets = list[tuple[float, float]]
# Samples of this process's delivery counters: (time, frames out, goal-to-glass buckets,
# commit-to-socket buckets).
_samples: deque[tuple[float, float, Buckets, Buckets]] = deque(maxlen=240)


def _total(metric: Any, suffix: str = "_total") -> float:
    return sum(
        sample.value
        for family in metric.collect()
        for sample in family.samples
        if sample.name.endswith(suffix)
    )


def _buckets(histogram: Any) -> list[tuple[float, float]]:
    """Cumulative (upper bound, count) pairs of a Prometheus histogram."""
    rows = [
        (float(sample.labels["le"]), sample.value)
        for family in histogram.collect()
        for sample in family.samples
        if sample.name.endswith("_bucket")
    ]
    return sorted(rows)


def _bucket_quantile(q: float, buckets: list[tuple[float, float]]) -> float | None:
    """Like PromQL's histogram_quantile: linear inside the bucket holding the rank."""
    if not buckets or buckets[-1][1] <= 0:
        return None
    rank = q * buckets[-1][1]
    lower_bound, lower_count = 0.0, 0.0
    for bound, count in buckets:
        if count >= rank:
            if bound == float("inf"):
                return lower_bound
            span = count - lower_count
            fraction = (rank - lower_count) / span if span else 1.0
            return lower_bound + (bound - lower_bound) * fraction
        lower_bound, lower_count = bound, count
    return lower_bound


def _window_quantiles(now_buckets: Buckets, oldest: Buckets) -> tuple[float | None, float | None]:
    """p50 and p99 of what a histogram observed since `oldest` was sampled."""
    if oldest and len(oldest) == len(now_buckets):
        delta = [(b, c - o) for (b, c), (_, o) in zip(now_buckets, oldest, strict=True)]
    else:
        delta = now_buckets
    return _bucket_quantile(0.5, delta), _bucket_quantile(0.99, delta)


def _from_delivery(module: Any, now: float) -> dict[str, Any]:
    """This process's delivery figures: connections, frames/s, and latency p50/p99: goal
    to glass (feed received -> socket written) when feed changes were delivered in the
    last minute, else commit -> socket (staff edits carry no receipt time)."""
    frames = _total(module.FRAMES_OUT)
    glass, commit = _buckets(module.GOAL_TO_GLASS), _buckets(module.END_TO_END)
    _samples.append((now, frames, glass, commit))
    window = [s for s in _samples if s[0] >= now - WINDOW.total_seconds()]
    recent = [s for s in _samples if s[0] >= now - 10]
    first = recent[0] if len(recent) > 1 else (window[0] if len(window) > 1 else None)
    result: dict[str, Any] = {
        "connections": int(_total(module.CONNECTIONS, "")),
        "connections_source": "live sockets (this process)",
    }
    if first is not None and now > first[0]:
        result["messages_per_s"] = round((frames - first[1]) / (now - first[0]), 2)
        result["messages_source"] = "frames to sockets/s (this process)"
    p50, p99 = _window_quantiles(glass, window[0][2] if window else [])
    source = "goal to glass: feed received→socket (this process)"
    if p50 is None:
        p50, p99 = _window_quantiles(commit, window[0][3] if window else [])
        source = "commit→socket (this process)"
    if p50 is not None:
        result.update(
            {
                "latency_p50_ms": round(p50 * 1000, 1),
                "latency_p99_ms": round((p99 or p50) * 1000, 1),
                "latency_source": source,
            }
        )
    return result


def snapshot() -> dict[str, Any]:
    """Current values; the browser keeps the last minute of them for the charts."""
    now = timezone.now()
    data: dict[str, Any] = {
        "t": time.time(),
        "connections": None,
        "connections_source": "n/a",
        **_from_change_log(now),
    }
    module = _delivery()
    if module is not None and all(
        hasattr(module, name) for name in ("CONNECTIONS", "FRAMES_OUT", "END_TO_END")
    ):
        try:
            # Delivery figures win: they measure up to the socket write, not just publish.
            data.update(_from_delivery(module, data["t"]))
        except Exception:
            logger.exception("delivery metrics unavailable")
    return data
