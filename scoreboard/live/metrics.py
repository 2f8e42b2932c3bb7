"""Prometheus metrics of live delivery (exported by each serving process at /metrics).

Per-socket work stays O(1): the hub counts deliveries in a local integer during its
fan-out loop and adds them once per message, and latency to the socket is observed
once per message per process, when the last local socket was written (the tail a
viewer of that process sees).
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterator

from prometheus_client import REGISTRY, Counter, Gauge, Histogram
from prometheus_client.core import HistogramMetricFamily
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

# Milliseconds-scale buckets: the budget is 100 ms commit-to-screen.
_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5)


class WeightedHistogram(Collector):
    """A histogram that takes one value for many observations at once.

    The hub writes one update to hundreds of sockets in one loop: observing each write
    through `Histogram.observe` would cost more than the write itself. All those writes
    share one latency, so the hub observes it once with their count. Exported through the
    public collector API as an ordinary Prometheus histogram.
    """

    def __init__(self, name: str, documentation: str, buckets: tuple[float, ...]) -> None:
        self.name, self.documentation = name, documentation
        self.bounds = buckets
        self.counts = [0] * (len(buckets) + 1)  # the last one is +Inf
        self.total = 0.0
        self.lock = threading.Lock()

    def observe(self, value: float, count: int = 1) -> None:
        index = bisect.bisect_left(self.bounds, value)
        with self.lock:
            self.counts[index] += count
            self.total += value * count

    def collect(self) -> Iterator[HistogramMetricFamily]:
        with self.lock:
            counts, total = list(self.counts), self.total
        cumulative, buckets = 0, []
        for bound, count in zip((*map(floatToGoString, self.bounds), "+Inf"), counts, strict=True):
            cumulative += count
            buckets.append((bound, cumulative))
        yield HistogramMetricFamily(self.name, self.documentation, buckets=buckets, sum_value=total)


# Goal to glass: the feed message received by our webhook or poll -> the frame that shows
# it written to a viewer's socket. One observation per (update, socket written).
GOAL_TO_GLASS = WeightedHistogram(
    "scoreline_live_goal_to_glass_seconds",
    "Feed message received -> frame showing it written to a socket (one per socket).",
    buckets=_LATENCY_BUCKETS,
)
REGISTRY.register(GOAL_TO_GLASS)

END_TO_END = Histogram(
    "scoreline_live_commit_to_socket_seconds",
    "Change committed -> frame written to the last local socket (per message per process).",
    buckets=_LATENCY_BUCKETS,
)
STAGE = Histogram(
    "scoreline_live_stage_seconds",
    "Per-stage latency of a change: received->committed, committed->published, "
    "published->delivered (last local socket written), upstream->received (the "
    "provider's clock against ours).",
    ["stage"],
    buckets=_LATENCY_BUCKETS,
)
PUBLISHED = Counter(
    "scoreline_live_published_total", "Changes published by this process.", ["path"]
)
PUBLISH_ERRORS = Counter(
    "scoreline_live_publish_errors_total", "Publishes that failed (the relay retries)."
)
MESSAGES_IN = Counter(
    "scoreline_live_messages_in_total", "Change messages received by this process's hub."
)
DUPLICATES = Counter(
    "scoreline_live_duplicates_total", "Messages dropped by the hub as already delivered."
)
FRAMES_OUT = Counter("scoreline_live_frames_out_total", "Frames written to sockets.", ["kind"])
COALESCED = Counter(
    "scoreline_live_coalesced_total",
    "Updates merged into another frame instead of a frame of their own.",
)
DROPPED = Counter(
    "scoreline_live_dropped_total",
    "Pending updates discarded: superseded by a newer state of the same event, or the "
    "socket was closed as too slow.",
    ["reason"],
)
CONNECTIONS = Gauge("scoreline_live_connections", "Open live WebSocket connections.")
CLOSES = Counter("scoreline_live_closes_total", "Live sockets closed, by close code.", ["code"])
CLIENT_VIOLATIONS = Counter(
    "scoreline_live_client_violations_total", "Client input refused.", ["reason"]
)
REPLAYS = Counter("scoreline_live_replays_total", "Resume requests on connect.", ["outcome"])
RELAYED = Counter("scoreline_live_relayed_total", "Changes re-published by a relay.", ["relay"])
OUTBOX_WAKEUPS = Counter(
    "scoreline_live_outbox_wakeups_total", "Batches of changes the outbox publisher took."
)
REDIS_RECONNECTS = Counter(
    "scoreline_live_subscription_restarts_total", "Hub pub/sub subscription (re)starts."
)

# Close codes we name; anything else is counted as "other" to bound label cardinality.
_KNOWN_CODES = frozenset({1000, 1001, 1005, 1006, 1011, 1012, 4400, 4408, 4429})


def count_close(code: int | None) -> None:
    label = str(code) if code in _KNOWN_CODES else "other"
    CLOSES.labels(code=label).inc()
