"""Ingest benchmark (`make bench-ingest`, docs/PERFORMANCE.md): provider messages through the
webhook
and the pull path into a real Celery worker, vs bare service calls in a loop.

No RATE: throughput (as fast as the worker goes). RATE=200: paced, one message per push,
receive-to-commit latency, and change-to-published latency (the outbox publisher, read
from the change log). Each message scores one basket: exactly one service call.
A warm-up (`--warmup` messages on their own matches, same rate and paths) runs first
and is not measured: each worker process's first batches open connections.
Prints a table, then one JSON line. Uses its own database and Redis DB; the Celery
broker is `--broker-url` (RabbitMQ under `make bench-ingest`), else that Redis DB.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from liveapp.database import ensure_database
from liveapp.memory import freeze_startup_objects

REPO = Path(__file__).resolve().parents[2]
SECRET = "bench-only-secret"


def cpu_seconds_of_group(pgid: int) -> float:
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # field 5 of stat: process group
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def cpu_seconds_of_postgres() -> float:
    """CPU of every PostgreSQL process (the database's share of the work)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            name, rest = stat.read_text().split(" (", 1)[1].split(")", 1)
        except (OSError, IndexError, ValueError):
            continue
        if name.startswith("postgres"):
            fields = rest.split()
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=0.0, help="messages/s; 0 = throughput")
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--events", type=int, default=40)
    parser.add_argument("--pull-share", type=float, default=0.2)
    parser.add_argument(
        "--warmup", type=int, default=200,
        help="messages sent (same rate and paths) and applied before the measured run",
    )  # fmt: skip
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument(
        "--poll-interval", type=float, default=0.0,
        help="seconds between polls of the pull feed (default 0.05 paced, 0.2 throughput)",
    )  # fmt: skip
    parser.add_argument("--pool", default="solo", help="Celery pool of the ingest workers")
    parser.add_argument("--senders", type=int, default=1, help="concurrent pushes (throughput)")
    parser.add_argument(
        "--partitions", type=int, default=2,
        help="ingest queues, one worker process each (plus one for polls), as the Procfile",
    )  # fmt: skip
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--broker-url", help="Celery broker (default: the Redis URL)")
    parser.add_argument("--port", type=int, default=8400)
    parser.add_argument("--pull-port", type=int, default=8401)
    args = parser.parse_args()

    latency_key = f"bench:ingest:latency:{int(time.time())}"
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "CELERY_BROKER_URL": args.broker_url or args.redis_url,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-not-secret-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "FEED_PUSH_SECRETS": f"bench={SECRET}",
        "FEED_LATENCY_LOG_KEY": latency_key,
        "FEED_INGEST_PARTITIONS": str(args.partitions),
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    os.environ.update({k: v for k, v in env.items() if k != "PYTHONUNBUFFERED"})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liveapp.settings")
    ensure_database(args.database_url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    import redis as redis_lib
    from django.db.models import QuerySet

    from scoreboard import services
    from scoreboard.feeds.adapters import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
    from scoreboard.feeds.models import Outcome, ProcessedMessage, Provider
    from scoreboard.feeds.simulator.delivery import Faults, FaultyStream, PullFeed
    from scoreboard.feeds.simulator.setup import create_match_event, ensure_provider
    from scoreboard.models import Change, Status

    rds = redis_lib.Redis.from_url(args.redis_url)
    rds.flushdb()
    from liveapp.celery import purge_queues

    # A broker's queues outlive a run (RabbitMQ).
    purge_queues(["celery", "ingest", *(f"ingest.{k}" for k in range(args.partitions))])
    ensure_provider("bench", Provider.Kind.PUSH)
    ensure_provider(
        "benchpull", Provider.Kind.PULL, pull_url=f"http://127.0.0.1:{args.pull_port}/feed.json"
    )
    rng = random.Random(1)
    stamp = int(time.time())

    def live_event(provider: str, name: str):
        event = create_match_event(
            sport_kind="basketball", providers=[provider], match_id=name, priorities={}
        )
        services.change_status(event=event, status=Status.LIVE)
        return event

    def snapshots(match_id: str, count: int) -> list[dict]:
        """A match's messages: snapshot k carries k baskets (one new one per message)."""
        incidents: list[dict] = []
        messages = []
        for k in range(count):
            incidents.append(
                {"id": f"{match_id}-i{k}", "kind": "points", "period": "Q1", "minute": 1,
                 "side": rng.choice(["home", "away"]), "player": "Bench", "points": 2}
            )  # fmt: skip
            home = sum(i["points"] for i in incidents if i["side"] == "home")
            messages.append(
                {"id": f"{match_id}-{k}", "seq": k + 1, "ts": 0.0, "match": match_id,
                 "status": "live", "period": "Q1", "score": {"home": home, "away": sum(
                     i["points"] for i in incidents) - home},
                 "incidents": [dict(i) for i in incidents]}
            )  # fmt: skip
        return messages

    pull_events = max(1, int(args.events * args.pull_share))
    per_event = max(1, args.messages // args.events)
    # The measured messages, and the warm-up's on their own matches: every worker
    # process's first batches (connections, first queries) are not what we measure.
    streams: dict[str, list[dict]] = {"bench": [], "benchpull": []}
    warmup: dict[str, list[dict]] = {"bench": [], "benchpull": []}
    bench_events = []
    for n in range(args.events):
        provider = "benchpull" if n < pull_events else "bench"
        match_id = f"bench-{stamp}-{n}"
        bench_events.append(live_event(provider, match_id))
        streams[provider] += snapshots(match_id, per_event)
        if args.warmup:
            live_event(provider, f"warm-{stamp}-{n}")
            warmup[provider] += snapshots(f"warm-{stamp}-{n}", max(1, args.warmup // args.events))
    # Interleave events so consecutive messages hit different events, like a real feed.
    for messages in (*streams.values(), *warmup.values()):
        messages.sort(key=lambda m: (m["seq"], m["match"]))
    expected = sum(len(m) for m in streams.values())
    # The client's own full collections (tens of ms over the streams built above) would
    # pause the baseline loop and the pacing, then send a burst: keep them out of both.
    freeze_startup_objects()

    # Baseline: the same number of bare service calls in a loop, no Celery, no HTTP.
    base_events = [live_event("bench-base", f"base-{stamp}-{n}") for n in range(args.events)]
    base_lat = []
    base_start = time.perf_counter()
    base_cpu0 = os.times()
    for i in range(expected):
        t0 = time.perf_counter()
        services.record_score(
            event=base_events[i % len(base_events)].pk, side="home", points=2, minute=1
        )
        base_lat.append((time.perf_counter() - t0) * 1000)
        if args.rate:
            time.sleep(max(0.0, base_start + (i + 1) / args.rate - time.perf_counter()))
    base_seconds = time.perf_counter() - base_start
    base_cpu = sum(os.times()[:2]) - sum(base_cpu0[:2])

    # Our path: uvicorn (webhook) + a Celery worker + the pull feed; the bench drives beat.
    web = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "liveapp.asgi:application", "--host", "127.0.0.1",
         "--port", str(args.port), "--lifespan", "off", "--no-access-log", "--log-level",
         "warning"], cwd=REPO, env=env, start_new_session=True,
    )  # fmt: skip
    queues = ["ingest,celery"]  # polls (the pull path) and everything else
    if args.partitions > 1:
        queues += [f"ingest.{k}" for k in range(args.partitions)]
    quiet = ["-l", "warning", "--without-gossip", "--without-mingle", "--without-heartbeat"]
    celery = [sys.executable, "-m", "celery", "-A", "liveapp", "worker", *quiet]
    workers = [
        subprocess.Popen(
            [
                *celery,
                "-Q",
                queue,
                "-n",
                f"bench{n}@%h",
                "-c",
                "1",
                "-P",
                "prefork" if n == 0 else args.pool,
                *([] if n == 0 else ["--prefetch-multiplier", "128"]),  # as the Procfile
            ],
            cwd=REPO,
            env=env,
            start_new_session=True,
        )
        for n, queue in enumerate(queues)
    ]
    # The outbox publisher renders what the worker commits (as in the Procfile): its CPU
    # is counted as the server's.
    publisher = subprocess.Popen(
        [sys.executable, "manage.py", "publish_live"], cwd=REPO, env=env,
        stdout=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    servers = (web, *workers, publisher)
    # The first worker takes the polls (and anything else), the others the pushes.
    roles = ["web", "poll_worker"] + ["ingest_workers"] * (len(workers) - 1) + ["publisher"]
    stream = FaultyStream(Faults(), random.Random(2))
    feed = PullFeed(stream, args.pull_port)
    feed.start()
    try:
        _wait_http(f"http://127.0.0.1:{args.port}/healthz")
        time.sleep(3)  # worker start-up
        from liveapp.celery import app

        # The provider's side: a bare keep-alive HTTP client per sending thread. It shares
        # the machine with the server here (a provider would not), so it should cost little:
        # httpx took ~1.2 ms of CPU per push, a fifth of the machine at RATE=200.
        senders_local = threading.local()

        def push(messages: list[dict]) -> None:
            now = time.time()
            for m in messages:
                m["ts"] = now
            body = json.dumps({"messages": messages}).encode()
            ts = str(int(now))
            if not hasattr(senders_local, "conn"):
                senders_local.conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
            senders_local.conn.request("POST", "/feeds/bench/push", body=body, headers={
                TIMESTAMP_HEADER: ts, SIGNATURE_HEADER: sign(SECRET, ts, body),
                "Content-Type": "application/json"})  # fmt: skip
            response = senders_local.conn.getresponse()
            text = response.read()
            assert response.status == 202, text

        stop = threading.Event()

        def beat() -> None:  # what celery beat does, faster: poll the pull provider
            while not stop.is_set():
                app.send_task("scoreboard.feeds.tasks.poll_provider", ("benchpull",))
                stop.wait(args.poll_interval or (0.05 if args.rate else 0.2))

        def drive(push_msgs: list[dict], pull_msgs: list[dict]) -> None:
            """Send the messages: paced (RATE), else as fast as the server answers."""
            begin = time.perf_counter()
            if args.rate:
                # One message per push; pull messages appear in the feed at the same pace.
                merged = sorted(
                    [(i / len(push_msgs), "push", m) for i, m in enumerate(push_msgs)]
                    + [(i / len(pull_msgs), "pull", m) for i, m in enumerate(pull_msgs)],
                    key=lambda x: x[0],
                )
                for i, (_, kind, m) in enumerate(merged):
                    time.sleep(max(0.0, begin + i / args.rate - time.perf_counter()))
                    if kind == "push":
                        push([m])
                    else:
                        m["ts"] = time.time()
                        stream.put(m)
                return
            for m in pull_msgs:
                m["ts"] = time.time()
                stream.put(m)
            # A provider pushes over a few connections at once, as fast as we answer.
            batches = [push_msgs[i : i + args.batch] for i in range(0, len(push_msgs), args.batch)]
            with ThreadPoolExecutor(args.senders) as senders:
                list(senders.map(push, batches))

        def processed(prefix: str) -> QuerySet:
            return ProcessedMessage.objects.filter(
                provider__in=["bench", "benchpull"], message_id__startswith=prefix
            )

        threading.Thread(target=beat, daemon=True).start()
        warm = len(warmup["bench"]) + len(warmup["benchpull"])
        if warm:
            drive(warmup["bench"], warmup["benchpull"])
            deadline = time.monotonic() + 120
            while processed(f"warm-{stamp}-").count() < warm and time.monotonic() < deadline:
                time.sleep(0.05)
            rds.delete(latency_key)

        cpu0 = [cpu_seconds_of_group(p.pid) for p in servers]
        pg_cpu0 = cpu_seconds_of_postgres()
        client_cpu0 = sum(os.times()[:2])
        start = time.perf_counter()
        drive(streams["bench"], streams["benchpull"])
        sent_at = time.perf_counter()
        # Every message is a snapshot: one that reaches a worker after a newer one of its
        # match is dropped as stale (its basket arrives with the newer one). So a message
        # counts as taken in when processed at all, and nothing is lost when every match
        # ends with exactly the baskets and score of its last snapshot.
        this_run = processed(f"bench-{stamp}-")
        taken = 0
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            taken = this_run.count()
            if taken >= expected:
                break
            time.sleep(0.05)
        seconds = time.perf_counter() - start
        stale = this_run.filter(outcome=Outcome.STALE).count()
        lost = 0
        for event in bench_events:
            event.refresh_from_db()
            baskets = event.incidents.filter(kind="points", cancelled=False).count()
            lost += max(0, per_event - baskets)
            lost += int(event.home_score + event.away_score != 2 * per_event)
        stop.set()
        cpu1 = [cpu_seconds_of_group(p.pid) for p in servers]
        server_cpu = sum(cpu1) - sum(cpu0)
        elapsed = time.perf_counter() - start
        cpu_by_process = {
            "postgres": round(100 * (cpu_seconds_of_postgres() - pg_cpu0) / elapsed, 1)
        }
        for role, before, after in zip(roles, cpu0, cpu1, strict=True):
            cpu_by_process[role] = round(
                cpu_by_process.get(role, 0.0) + 100 * (after - before) / elapsed, 1
            )
        client_cpu = sum(os.times()[:2]) - client_cpu0
        # Viewers must see it too: every change of this run published (outbox publisher).
        unpublished = Change.objects.filter(published_at__isnull=True, source_detail__in=[
            "bench", "benchpull"]).count  # fmt: skip
        publish_deadline = time.monotonic() + 30
        while unpublished() and time.monotonic() < publish_deadline:
            time.sleep(0.1)
        publish_wait = round(time.perf_counter() - start - seconds, 2)
        unpublished_count = unpublished()
        # What ingestion's latency leaves out: a change made (in its transaction, just
        # before the commit) -> published to viewers by the outbox publisher, from the
        # change log's own timestamps (`publish_p50_ms` / `publish_p99_ms`).
        publish_lat = [
            (published - created).total_seconds() * 1000
            for created, published in Change.objects.filter(
                source_detail__in=["bench", "benchpull"], published_at__isnull=False,
                event__in=bench_events,
            ).values_list("created_at", "published_at")
        ]  # fmt: skip
        lat = [float(x.split()[1]) for x in (v.decode() for v in rds.lrange(latency_key, 0, -1))]
        by_provider = {
            p: [float(x.split()[1]) for x in (v.decode() for v in rds.lrange(latency_key, 0, -1))
                if x.startswith(p + " ")]
            for p in ("bench", "benchpull")
        }  # fmt: skip
    finally:
        feed.stop()
        for proc in servers:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(proc.pid, signal.SIGKILL)

    applied = taken
    per_s = applied / seconds
    base_per_s = expected / base_seconds
    result = {
        "bench": "ingest",
        "mode": "paced" if args.rate else "throughput",
        "rate": args.rate or None,
        "poll_interval_s": args.poll_interval or (0.05 if args.rate else 0.2),
        "broker": (args.broker_url or args.redis_url).split(":", 1)[0],
        "seconds": round(seconds, 2),
        "send_seconds": round(sent_at - start, 2),
        "warmup_messages": warm,
        "expected": expected,
        "delivered": applied,
        "lost": lost + expected - applied,
        "stale": stale,
        "unpublished": unpublished_count,
        "publish_wait_s": publish_wait,
        "push_messages": len(streams["bench"]),
        "pull_messages": len(streams["benchpull"]),
        "p50_ms": round(percentile(lat, 0.5), 2),
        "p95_ms": round(percentile(lat, 0.95), 2),
        "p99_ms": round(percentile(lat, 0.99), 2),
        "max_ms": round(max(lat, default=0.0), 2),
        "push_p99_ms": round(percentile(by_provider["bench"], 0.99), 2),
        "pull_p99_ms": round(percentile(by_provider["benchpull"], 0.99), 2),
        "publish_p50_ms": round(percentile(publish_lat, 0.5), 2),
        "publish_p99_ms": round(percentile(publish_lat, 0.99), 2),
        "per_s": round(per_s, 1),
        "server_cpu_pct": round(100 * server_cpu / seconds, 1),
        "client_cpu_pct": round(100 * client_cpu / seconds, 1),
        "cpu_pct_by_process": cpu_by_process,
        "baseline_p50_ms": round(percentile(base_lat, 0.5), 2),
        "baseline_p95_ms": round(percentile(base_lat, 0.95), 2),
        "baseline_p99_ms": round(percentile(base_lat, 0.99), 2),
        "baseline_max_ms": round(max(base_lat), 2),
        "baseline_per_s": round(base_per_s, 1),
        "baseline_cpu_pct": round(100 * base_cpu / base_seconds, 1),
        # Server CPU per message over the baseline's CPU per call (lower is better).
        "ratio": round((server_cpu / max(applied, 1)) / (base_cpu / expected), 2),
    }
    print(f"{'':24}{'ingest (Celery)':>18}{'baseline (loop)':>18}")
    print(f"{'messages/s':24}{per_s:>18.1f}{base_per_s:>18.1f}")
    for key in ("p50_ms", "p95_ms", "p99_ms", "max_ms"):
        print(f"{key:24}{result[key]:>18}{result['baseline_' + key]:>18}")
    published = f"{result['publish_p50_ms']} / {result['publish_p99_ms']}"
    print(f"{'published p50 / p99 ms':24}{published:>18}{'(on commit)':>18}")
    counts = f"{applied}/{expected}"
    print(f"{'delivered / expected':24}{counts:>18}{f'{expected}/{expected}':>18}")
    cpu = f"{result['server_cpu_pct']}/{result['client_cpu_pct']}"
    print(f"{'server / client cpu %':24}{cpu:>18}{result['baseline_cpu_pct']:>18}")
    print(json.dumps(result))


def _wait_http(url: str) -> None:
    import urllib.request

    for _ in range(150):
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


if __name__ == "__main__":
    main()
