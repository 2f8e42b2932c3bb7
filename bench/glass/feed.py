"""The provider's side of `make bench-glass`: simulated matches, paced signed pushes.

Matches are played by the product's simulator (`scoreboard.feeds.simulator.engine`), so
the mix is the real one: football goals, cards, VAR and substitutions, basketball baskets,
hockey goals and penalties, tennis points, period changes and clock updates. Each match
starts somewhere in its first half (the warm-up message brings its event to that state);
game time is then scaled so that all matches together send RATE messages per second.

Pushes are sent by a few threads, every match always by the same thread (a provider sends
one match's messages in order); a push carries the messages already due (one at
match-day rates, more when the server answers slower than they fall due). A message's `ts` is set
the moment its request is sent: that is the clock goal-to-glass starts from.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

SPORTS = ("football", "basketball", "ice_hockey", "tennis")


@dataclass
class Match:
    match_id: str
    sport: str
    warmup: dict[str, Any]  # the snapshot that brings the event to where the run starts
    messages: list[tuple[float, dict[str, Any]]]  # (game seconds from the start, snapshot)
    event_id: int = 0
    sport_slug: str = ""


@dataclass
class Plan:
    matches: list[Match]
    # (match index, snapshot) in sending order; the i-th goes out at start + i / rate.
    sends: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


def plan_matches(*, events: int, rate: float, seconds: float, stamp: str, seed: int = 7) -> Plan:
    """EVENTS matches and RATE x SECONDS messages drawn from their play, in game order."""
    from scoreboard.feeds.simulator.engine import SimMatch

    rng = random.Random(seed)
    matches: list[Match] = []
    for n in range(events):
        sport = SPORTS[n % len(SPORTS)]
        match_id = f"glass-{stamp}-{n}"
        played = list(SimMatch(match_id=match_id, sport=sport, rng=rng).play())
        end = played[-1][0]
        start = rng.uniform(0.05, 0.5) * end  # somewhere in its first half
        before = [snap for t, snap in played if t <= start] or [played[0][1]]
        after = [(t - start, snap) for t, snap in played if t > start]
        matches.append(Match(match_id, sport, before[-1], after))
    wanted = int(rate * seconds)
    # Scale game time to wall time: find the game span whose messages number `wanted`.
    lo, hi = 1.0, max(m.messages[-1][0] if m.messages else 1.0 for m in matches)
    for _ in range(40):
        mid = (lo + hi) / 2
        count = sum(1 for m in matches for t, _ in m.messages if t <= mid)
        lo, hi = (mid, hi) if count < wanted else (lo, mid)
    timeline = sorted(
        ((t, k, snap) for k, m in enumerate(matches) for t, snap in m.messages if t <= hi),
        key=lambda x: (x[0], x[1]),
    )[:wanted]
    return Plan(matches, [(k, snap) for _, k, snap in timeline])


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The provider's HMAC (the same scheme the product's push adapter verifies)."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class Sender:
    """Paced pushes from THREADS keep-alive connections; returns the send times."""

    THREADS = 4
    MAX_BATCH = 50

    def __init__(self, *, port: int, path: str, secret: str) -> None:
        self.port, self.path, self.secret = port, path, secret
        self.errors = 0
        self.pushes = 0
        self.late: list[float] = []  # how late each push left against its schedule (s)

    def send_all(self, sends: list[tuple[int, dict[str, Any]]], rate: float) -> float:
        """Send every (match, snapshot) at start + i / rate; returns the seconds it took."""
        lanes: list[list[tuple[int, dict[str, Any]]]] = [[] for _ in range(self.THREADS)]
        for i, (k, snap) in enumerate(sends):
            lanes[k % self.THREADS].append((i, snap))
        begin = time.perf_counter() + 0.2
        threads = [
            threading.Thread(target=self._lane, args=(lane, begin, rate), daemon=True)
            for lane in lanes
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.perf_counter() - begin

    def _lane(self, lane: list[tuple[int, dict[str, Any]]], begin: float, rate: float) -> None:
        """Send this lane's messages on schedule. One push carries every message already
        due (at most MAX_BATCH): at match-day rates that is one, and when the server
        answers slower than messages fall due, pushes grow instead of falling behind, as
        a provider's queue would."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        k = 0
        while k < len(lane):
            due = begin + lane[k][0] / rate
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            now = time.perf_counter()
            batch = []
            while k < len(lane) and len(batch) < self.MAX_BATCH:
                i, snap = lane[k]
                if batch and begin + i / rate > now:
                    break
                self.late.append(max(0.0, now - (begin + i / rate)))
                batch.append(snap)
                k += 1
            sent_at = time.time()
            body = json.dumps({"messages": [dict(m, ts=sent_at) for m in batch]}).encode()
            stamp = str(int(sent_at))
            headers = {
                "X-Feed-Timestamp": stamp,
                "X-Feed-Signature": sign(self.secret, stamp, body),
                "Content-Type": "application/json",
            }
            try:
                conn.request("POST", self.path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                self.pushes += 1
                if response.status != 202:
                    self.errors += 1
            except (OSError, http.client.HTTPException):
                self.errors += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.close()
