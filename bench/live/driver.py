"""Change publisher for the live benchmark: RATE changes per second for SECONDS.

Modes:
- `service`: writes through the service layer (`record_score` / `set_clock`) on the seeded
  events, as a Celery worker would; the project's own publisher runs on commit. Records
  per change: sequence (Change.id), event, version and the commit time (an on_commit hook
  registered before the service's own, so it runs first, right after COMMIT).
- `frames`: the baseline feed: publishes frames (captured from our run, or synthetic ones of
  the same shape) to a Redis pub/sub channel; records publish time per cursor seq.
- `group`: the textbook alternative: `channel_layer.group_send` of the same frames to one
  group (settings `bench.live.alt_settings`); records send time per cursor seq.

Writes `{"changes": [{"seq", "event", "version", "t"}...], ...}` to --out.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import time
from collections.abc import Callable

SYNTHETIC_FRAME = (
    '<div id="event-row-{event}" hx-swap-oob="true" class="event-row" data-event="{event}" '
    'data-version="{version}" data-status="live" data-clock-running="true" '
    'data-clock-elapsed="1234" data-clock-anchor="2025-01-01T12:00:00+00:00">'
    '<span class="team">Home Team</span><span class="score">{version}</span>'
    '<span class="team">Away Team</span></div>'
    '<div id="live-cursor" hx-swap-oob="true" data-seq="{seq}"></div>'
)
_CURSOR_SEQ = re.compile(r'(<[^>]*\bid="live-cursor"[^>]*\bdata-seq=")(\d+)(")')


def paced(rate: float, seconds: float, step: Callable[[int], None]) -> float:
    """Call step(i) at t0 + i/rate for rate*seconds steps; returns the worst lateness (s)."""
    count = max(1, round(rate * seconds))
    t0 = time.time() + 0.05
    worst = 0.0
    for i in range(count):
        target = t0 + i / rate
        delay = target - time.time()
        if delay > 0:
            time.sleep(delay)
        else:
            worst = max(worst, -delay)
        step(i)
    return worst


def load_frames(path: str | None, count: int) -> list[str]:
    """`count` frames with cursor seq 1..count: captured ones in a cycle, or synthetic."""
    captured: list[str] = []
    if path and os.path.exists(path):
        with open(path) as f:
            captured = [fr for fr in json.load(f) if _CURSOR_SEQ.search(fr)]
    frames = []
    for i in range(count):
        seq = i + 1
        if captured:
            frame = captured[i % len(captured)]
            frames.append(_CURSOR_SEQ.sub(lambda m, s=seq: f"{m[1]}{s}{m[3]}", frame, count=1))
        else:
            frames.append(SYNTHETIC_FRAME.format(event=1 + i % 4, version=100 + i, seq=seq))
    return frames


def run_service(args: argparse.Namespace) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liveapp.settings")
    import django

    django.setup()
    from django.db import transaction

    from scoreboard.models import Change, Source
    from scoreboard.services import Actor, record_score, set_clock

    actor = Actor(source=Source.FEED, detail="bench-live")
    events = [int(e) for e in args.events.split(",")]
    clock_running = dict.fromkeys(events, True)
    changes: list[dict] = []
    errors: list[str] = []

    def apply(i: int) -> tuple[int, int]:
        event_id = events[i % len(events)]
        # A score every third change, clock stop/start otherwise: with the default 20
        # events a 20 s run gives each a few goals, a believable timeline to render.
        if i % 3 == 0:
            ev = record_score(event=event_id, side=("home", "away")[i % 2], actor=actor)
        else:
            clock_running[event_id] = not clock_running[event_id]
            ev = set_clock(event=event_id, running=clock_running[event_id], actor=actor)
        return event_id, ev.version

    def step(i: int) -> None:
        committed: list[float] = []
        try:
            with transaction.atomic():
                # Registered before the service's publish hook: runs first after COMMIT.
                transaction.on_commit(lambda: committed.append(time.time()))
                event_id, version = apply(i)
        except Exception as exc:
            errors.append(repr(exc))
            return
        done = time.time()  # after COMMIT and the on-commit publish (render + PUBLISH)
        seq = Change.objects.filter(event_id=event_id, version=version).values_list(
            "id", flat=True
        )[0]
        changes.append(
            {"seq": seq, "event": event_id, "version": version, "t": committed[0], "done": done}
        )

    apply(1)  # warm-up (templates, connections): not measured
    started = time.time()
    worst = paced(args.rate, args.seconds, step)
    return {"changes": changes, "errors": errors, "started": started, "worst_late_s": worst}


def run_frames(args: argparse.Namespace) -> dict:
    import redis

    count = max(1, round(args.rate * args.seconds))
    frames = load_frames(args.frames, count)
    client = redis.Redis.from_url(args.redis)
    client.ping()
    changes: list[dict] = []

    def step(i: int) -> None:
        t = time.time()
        client.publish(args.channel, frames[i])
        changes.append({"seq": i + 1, "event": 0, "version": 0, "t": t})

    started = time.time()
    worst = paced(args.rate, args.seconds, step)
    return {
        "changes": changes,
        "errors": [],
        "started": started,
        "worst_late_s": worst,
        "frame_bytes": len(frames[0].encode()),
    }


def run_group(args: argparse.Namespace) -> dict:
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.live.alt_settings"
    import django

    django.setup()
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    from bench.live.common import GROUP

    layer = get_channel_layer()
    count = max(1, round(args.rate * args.seconds))
    frames = load_frames(args.frames, count)
    changes: list[dict] = []
    send = async_to_sync(layer.group_send)

    def step(i: int) -> None:
        t = time.time()
        send(GROUP, {"type": "live.frame", "text": frames[i]})
        changes.append({"seq": i + 1, "event": 0, "version": 0, "t": t})

    started = time.time()
    worst = paced(args.rate, args.seconds, step)
    return {
        "changes": changes,
        "errors": [],
        "started": started,
        "worst_late_s": worst,
        "frame_bytes": len(frames[0].encode()),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("mode", choices=["service", "frames", "group"])
    p.add_argument("--rate", type=float, default=10.0)
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--events", default="", help="service mode: comma-separated event ids")
    p.add_argument("--frames", default="", help="JSON list of captured frames to replay")
    p.add_argument("--redis", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/6"))
    p.add_argument("--channel", default="bench:baseline")
    p.add_argument("--out", required=True)
    args = p.parse_args()
    result = {"service": run_service, "frames": run_frames, "group": run_group}[args.mode](args)
    with open(args.out, "w") as f:
        json.dump(result, f)
    print(json.dumps({"changes": len(result["changes"]), "errors": len(result["errors"])}))


if __name__ == "__main__":
    main()
