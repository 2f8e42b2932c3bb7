"""Where one worker's time per feed message goes (in-process, cProfile + query count).

    python -m bench.ingest.profile --database-url postgres://.../db --redis-url redis://.../n

Applies the bench's kind of messages (each scores one basket: one service call) through
`ingest_batch` in batches, exactly as the worker task does, then publishes the changes
as the outbox publisher would (`publish_pending`, one call per batch: loads the changes
and each event once, renders, PUBLISHes), and splits the CPU time between the two.
Database round trips are counted per message, split the same way.
Prints a table, then one JSON line.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import random
import time

from bench.ingest.inprocess import setup_django


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--top", type=int, default=0, help="also print the top N functions")
    args = parser.parse_args()
    setup_django(database_url=args.database_url, redis_url=args.redis_url)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from scoreboard import services
    from scoreboard.feeds.ingest import ingest_batch
    from scoreboard.feeds.models import Provider
    from scoreboard.feeds.simulator.setup import create_match_event, ensure_provider
    from scoreboard.live.publisher import publish_pending
    from scoreboard.models import Change, Status

    ensure_provider("prof", Provider.Kind.PUSH)
    stamp = int(time.time())
    rng = random.Random(3)
    per_event = max(1, args.messages // args.events)
    messages: list[dict] = []
    for n in range(args.events):
        match_id = f"prof-{stamp}-{n}"
        event = create_match_event(
            sport_kind="basketball", providers=["prof"], match_id=match_id, priorities={}
        )
        services.change_status(event=event, status=Status.LIVE)
        incidents: list[dict] = []
        for k in range(per_event):
            incidents.append(
                {"id": f"{match_id}-i{k}", "kind": "points", "period": "Q1", "minute": 1,
                 "side": rng.choice(["home", "away"]), "player": "Bench", "points": 2}
            )  # fmt: skip
            home = sum(i["points"] for i in incidents if i["side"] == "home")
            away = sum(i["points"] for i in incidents) - home
            messages.append(
                {"id": f"{match_id}-{k}", "seq": k + 1, "ts": time.time(), "match": match_id,
                 "status": "live", "period": "Q1", "score": {"home": home, "away": away},
                 "incidents": [dict(i) for i in incidents]}
            )  # fmt: skip
    messages.sort(key=lambda m: (m["seq"], m["match"]))

    # Round trips, attributed to the publisher while it runs.
    in_publish = [False]
    queries = {"ingest": 0, "publish": 0}

    def count(execute, sql, params, many, context):  # Django's execute_wrapper signature
        queries["publish" if in_publish[0] else "ingest"] += 1
        return execute(sql, params, many, context)

    profile = cProfile.Profile()
    first = Change.objects.order_by("-id").values_list("id", flat=True).first() or 0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    with connection.execute_wrapper(count):
        if args.top:  # cProfile's own overhead inflates the figures: off unless asked
            profile.enable()
        for start in range(0, len(messages), args.batch):
            ingest_batch(
                provider="prof",
                raw_messages=messages[start : start + args.batch],
                received_at=time.time(),
            )
        profile.disable()
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        # What the outbox publisher then does with them, one wake-up per batch.
        ids = list(Change.objects.filter(pk__gt=first).order_by("id").values_list("id", flat=True))
        in_publish[0] = True
        publish0 = time.process_time()
        for start in range(0, len(ids), args.batch):
            publish_pending(ids[start : start + args.batch])
        publish_cpu = [time.process_time() - publish0]
    cpu += publish_cpu[0]
    n = len(messages)
    result = {
        "bench": "ingest-profile",
        "messages": n,
        "batch": args.batch,
        "wall_ms_per_msg": round(1000 * wall / n, 2),
        "cpu_ms_per_msg": round(1000 * cpu / n, 2),
        "publish_cpu_ms_per_msg": round(1000 * publish_cpu[0] / n, 2),
        "ingest_cpu_ms_per_msg": round(1000 * (cpu - publish_cpu[0]) / n, 2),
        "publish_cpu_share": round(publish_cpu[0] / cpu, 3),
        "ingest_queries_per_msg": round(queries["ingest"] / n, 2),
        "publish_queries_per_msg": round(queries["publish"] / n, 2),
        "per_s": round(n / wall, 1),
    }
    print(f"{'per message':28}{'ingest+service':>16}{'publish':>12}")
    print(
        f"{'CPU ms':28}{result['ingest_cpu_ms_per_msg']:>16}{result['publish_cpu_ms_per_msg']:>12}"
    )
    print(
        f"{'DB round trips':28}{result['ingest_queries_per_msg']:>16}"
        f"{result['publish_queries_per_msg']:>12}"
    )
    print(f"{'wall ms (all)':28}{result['wall_ms_per_msg']:>16}")
    if args.top:
        order = os.environ.get("PROF_SORT", "cumulative")
        pstats.Stats(profile).sort_stats(order).print_stats(args.top)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
