"""Match every viewer's frames to the versions it should have seen (`make bench-glass`).

A viewer should see every version of every event its topic carries after the run began.
A frame showing version w of an event, whose cursor says it covers from version c
(`data-covers`, coalesced), delivers every version from c to w; versions it jumps over
without covering them are lost (a browser would notice the gap and refetch). A version
no frame delivered is lost. Latency of a delivered version: the viewer's receipt time
minus the moment its push was sent (the message's `ts`). Stages come from the version's
own timestamps and the frame's `data-sent` (the hub's write stamp).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from bench.live.common import percentile

_EVENT_TAG = re.compile(r'<[^>]*\bdata-event="(\d+)"[^>]*>')
_VERSION = re.compile(r'\bdata-version="(\d+)"')
_CURSOR = re.compile(r'<div id="live-cursor"[^>]*>')
_COVERS = re.compile(r'\bdata-covers="([^"]*)"')
_SENT = re.compile(r'\bdata-sent="([\d.]+)"')

STAGES = ("send_to_received", "received_to_committed", "committed_to_published",
          "published_to_written", "written_to_received")  # fmt: skip


@dataclass
class Version:
    upstream: float  # the push was sent (the message's ts)
    received: float
    committed: float
    published: float | None = None


@dataclass
class Frame:
    versions: dict[int, int]  # event -> highest data-version in the frame
    covers: dict[int, int]  # event -> oldest version the frame supersedes
    sent: float | None


def parse_frame(text: str) -> Frame:
    versions: dict[int, int] = {}
    for tag in _EVENT_TAG.finditer(text):
        found = _VERSION.search(tag.group(0))
        if found:
            event, version = int(tag.group(1)), int(found.group(1))
            versions[event] = max(version, versions.get(event, 0))
    covers: dict[int, int] = {}
    sent = None
    cursor = _CURSOR.search(text)
    if cursor:
        tag = cursor.group(0)
        got = _COVERS.search(tag)
        if got:
            for pair in got.group(1).split(","):
                event, _, version = pair.partition(":")
                covers[int(event)] = int(version)
        stamp = _SENT.search(tag)
        sent = float(stamp.group(1)) if stamp else None
    return Frame(versions, covers, sent)


@dataclass
class Result:
    expected: int = 0
    delivered: int = 0
    lost: int = 0
    stale_viewers: int = 0  # viewers not at the last version of every event they watch
    lost_by_kind: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    lost_sample: list[tuple[str, int, int]] = field(default_factory=list)  # topic, event, v
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    stages: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def summary(self, prefix: str = "") -> dict[str, float | int]:
        out: dict[str, float | int] = {
            f"{prefix}expected": self.expected,
            f"{prefix}delivered": self.delivered,
            f"{prefix}lost": self.lost,
            f"{prefix}stale_viewers": self.stale_viewers,
        }
        every = sorted(v for values in self.latencies.values() for v in values)
        for q in (50, 95, 99):
            out[f"{prefix}p{q}_ms"] = round(percentile(every, q), 1)
        out[f"{prefix}max_ms"] = round(every[-1], 1) if every else float("nan")
        for kind, lost in sorted(self.lost_by_kind.items()):
            out[f"{prefix}lost_{kind}"] = lost
        for kind, values in sorted(self.latencies.items()):
            out[f"{prefix}p99_{kind}_ms"] = round(percentile(sorted(values), 99), 1)
        for stage in STAGES:
            out[f"{prefix}{stage}_p99_ms"] = round(percentile(sorted(self.stages[stage]), 99), 1)
        return out


def analyze(
    *,
    viewer_topics: list[str],
    recordings: list[dict],
    expected_by_topic: dict[str, dict[int, set[int]]],
    versions: dict[tuple[int, int], Version],
    initial: dict[int, int],
    final: dict[int, int],
) -> Result:
    """`recordings`: the viewers' output files; `expected_by_topic`: topic -> event ->
    versions; `initial`/`final`: each event's version before the run and at its end."""
    result = Result()
    for rec in recordings:
        frames = [parse_frame(text) for text in rec["frames"]]
        for number, (indexes, times) in zip(rec["numbers"], rec["viewers"], strict=True):
            topic = viewer_topics[number]
            kind = "event" if topic.startswith("event.") else "list"
            wanted = expected_by_topic.get(topic, {})
            got: dict[int, set[int]] = defaultdict(set)
            last = dict(initial)
            for index, at in zip(indexes, times, strict=True):
                if index < 0:
                    continue
                frame = frames[index]
                for event, top in frame.versions.items():
                    before = last.get(event, 0)
                    if top <= before or event not in wanted:
                        continue
                    last[event] = top
                    start = frame.covers.get(event, top)
                    for version in range(max(before + 1, start), top + 1):
                        if version not in wanted[event]:
                            continue
                        got[event].add(version)
                        stamp = versions.get((event, version))
                        if stamp is None:
                            continue
                        result.latencies[kind].append((at - stamp.upstream) * 1000)
                        stages = result.stages
                        stages["send_to_received"].append((stamp.received - stamp.upstream) * 1e3)
                        stages["received_to_committed"].append(
                            (stamp.committed - stamp.received) * 1000
                        )
                        if stamp.published is not None:
                            stages["committed_to_published"].append(
                                (stamp.published - stamp.committed) * 1000
                            )
                            if frame.sent is not None:
                                stages["published_to_written"].append(
                                    (frame.sent - stamp.published) * 1000
                                )
                        if frame.sent is not None:
                            stages["written_to_received"].append((at - frame.sent) * 1000)
            stale = False
            for event, wanted_versions in wanted.items():
                result.expected += len(wanted_versions)
                delivered = len(got[event] & wanted_versions)
                result.delivered += delivered
                result.lost += len(wanted_versions) - delivered
                result.lost_by_kind[kind] += len(wanted_versions) - delivered
                if len(result.lost_sample) < 50:
                    result.lost_sample += [
                        (topic, event, v) for v in sorted(wanted_versions - got[event])[:3]
                    ]
                if wanted_versions and last.get(event, 0) < final.get(event, 0):
                    stale = True
            result.stale_viewers += stale
    return result
