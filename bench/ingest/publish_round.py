"""CPU per event of one outbox-publisher round, in-process (min and median of repeats).

    python -m bench.ingest.publish_round --database-url postgres://.../db --redis-url redis://.../n

Takes the newest `--events` live events of a database that `bench.ingest.profile` filled
(basketball matches of ~50 incidents each) and times what the publisher does per round
for them: `publisher.round_events` (the events and their incident rows, timelines kept
between rounds) and `render_event_fragments` for each. Nothing is published. Rounds repeat
with nothing new, so this is the kept-timeline case; `bench.ingest.profile` measures
rounds with new incidents. The minimum of the repeats is the figure to compare between
commits on a noisy machine. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from bench.ingest.inprocess import setup_django


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=5, help="rounds per repeat")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url", required=True)
    args = parser.parse_args()
    setup_django(database_url=args.database_url, redis_url=args.redis_url)
    from scoreboard.live.fragments import render_event_fragments
    from scoreboard.live.publisher import round_events
    from scoreboard.models import Event, Status

    ids = list(
        Event.objects.filter(status=Status.LIVE)
        .order_by("-id")
        .values_list("id", flat=True)[: args.events]
    )
    if not ids:
        raise SystemExit("no live events: run bench.ingest.profile on this database first")

    def one_round() -> None:
        for event in round_events(ids).values():
            render_event_fragments(event)

    one_round()  # the first round renders every timeline whole
    per_event_ms = []
    for _ in range(args.repeats):
        started = time.process_time()
        for _ in range(args.rounds):
            one_round()
        per_event_ms.append((time.process_time() - started) * 1000 / args.rounds / len(ids))
    result = {
        "bench": "publish-round",
        "events": len(ids),
        "cpu_ms_per_event_min": round(min(per_event_ms), 3),
        "cpu_ms_per_event_median": round(statistics.median(per_event_ms), 3),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
