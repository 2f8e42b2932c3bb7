"""`make bench-glass`: feed to screen, end to end, against a bare pipeline in the same run.

Ours: the processes of the Procfile (distributed `make run`) but the demo feed: uvicorn
web, the Celery worker, both ingest partition workers, the outbox publisher and beat, on
PostgreSQL, Redis and RabbitMQ (the broker the tests use). A simulated provider pushes
RATE signed messages/s over EVENTS matches to the real webhook; VIEWERS WebSocket viewers
on the real `/ws/live/` endpoint subscribe as the pages do: 10% the live list (`live`),
40% one sport's live list (`sport.<slug>`), 50% the page of one of the 20 busiest events
(`event.<id>`). Latency: push sent -> frame showing that message's version received, per
viewer and version. The bare pipeline (bench/glass/bare.py) then does the same work for
the same client, rate, messages and subscriptions. Prints a table, then one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import defaultdict
from pathlib import Path

from bench.glass.analyze import STAGES, Result, Version, analyze
from bench.glass.feed import Plan, Sender, plan_matches
from bench.live.common import cpu_of, percentile
from bench.live.run import LineReader, Procs, raise_fd_limit, wait_port
from liveapp.database import ensure_database

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable
SECRET = "bench-glass-secret"
VIEWERS_PER_CLIENT = 500
SKIPPED_PROCFILE = {"feed"}  # the bench is the feed
NOT_COVERED = (
    "page loads, replays after reconnects, staff edits (published from the caller), the "
    "pull path, TLS and a load balancer; the client shares the 2 cores with the server"
)


def procfile_commands(port: int, metrics_base: int) -> dict[str, str]:
    """The Procfile's commands, with the bench's web port and worker metrics ports."""
    commands = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if not line.strip() or line.startswith("#") or ":" not in line:
            continue
        name, command = line.split(":", 1)
        if name.strip() in SKIPPED_PROCFILE:
            continue
        command = command.strip().replace("--port 8000", f"--port {port}")
        for k in range(1, 10):
            command = command.replace(
                f"WORKER_METRICS_PORT=920{k}", f"WORKER_METRICS_PORT={metrics_base + k}"
            )
        commands[name.strip()] = command
    return commands


class Tap(threading.Thread):
    """Every message published on a channel: what was published, when, to which topics."""

    def __init__(self, redis_url: str, channel: str) -> None:
        super().__init__(daemon=True)
        self.redis_url, self.channel = redis_url, channel
        self.messages: list[dict] = []
        self.ready, self.done = threading.Event(), threading.Event()

    def run(self) -> None:
        import redis

        pubsub = redis.Redis.from_url(self.redis_url).pubsub(ignore_subscribe_messages=True)
        pubsub.subscribe(self.channel)
        self.ready.set()
        while not self.done.is_set():
            item = pubsub.get_message(timeout=0.2)
            if item is None:
                continue
            m = json.loads(item["data"])
            if "event_id" not in m:  # a control notice (feed state), not a change
                continue
            self.messages.append(
                {"event": m["event_id"], "version": m["version"],
                 "from": m.get("covers_from") or m["version"], "topics": m["topics"],
                 "ts": m["ts"], "row": len(m["row"]), "detail": len(m["detail"])}
            )  # fmt: skip
        pubsub.close()


class Sampler(threading.Thread):
    """Every 0.5 s: a process's resident memory and a number from a callable (a queue)."""

    def __init__(self, pid: int, depth) -> None:
        super().__init__(daemon=True)
        self.pid, self.depth = pid, depth
        self.rss_mb: list[float] = []
        self.queue: list[int] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.5):
            try:
                for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        self.rss_mb.append(int(line.split()[1]) / 1024)
                self.queue.append(self.depth())
            except Exception:
                continue


def cpu_of_postgres() -> float:
    from bench.ingest.run import cpu_seconds_of_postgres

    return cpu_seconds_of_postgres()


def viewer_topics(plan: Plan, viewers: int) -> list[str]:
    """10% live, 40% one sport's list (sports in turn), 50% one of the 20 busiest events."""
    busy: dict[int, int] = defaultdict(int)
    for k, _ in plan.sends:
        busy[k] += 1
    busiest = sorted(busy, key=lambda k: -busy[k])[:20]
    sports = sorted({m.sport_slug for m in plan.matches})
    topics = []
    for n in range(viewers):
        slot = n % 10
        if slot == 0:
            topics.append("live")
        elif slot <= 4:
            topics.append(f"sport.{sports[n % len(sports)]}")
        else:
            topics.append(f"event.{plan.matches[busiest[n % len(busiest)]].event_id}")
    return topics


def connect_viewers(
    procs: Procs, work: Path, name: str, urls: list[str]
) -> tuple[list[subprocess.Popen], list[LineReader], int]:
    clients, readers = [], []
    for i in range(0, len(urls), VIEWERS_PER_CLIENT):
        listing = work / f"{name}.urls{i}.txt"
        listing.write_text("\n".join(urls[i : i + VIEWERS_PER_CLIENT]) + "\n")
        out = work / f"{name}.viewers{i}.json"
        proc = procs.start(
            [PY, "-m", "bench.live.viewers", "--urls-file", str(listing), "--out", str(out)],
            dict(os.environ), work / f"{name}.viewers{i}.log", stdout=subprocess.PIPE,
        )  # fmt: skip
        proc.out = out  # type: ignore[attr-defined]
        # Each client numbers its viewers from 0: shift to the global numbering.
        proc.offset = i  # type: ignore[attr-defined]
        clients.append(proc)
        readers.append(LineReader(proc))
    ready = sum(r.next(timeout=240)["ready"] for r in readers)
    return clients, readers, ready


def collect_viewers(clients: list[subprocess.Popen], readers: list[LineReader]) -> list[dict]:
    for c in clients:
        c.send_signal(signal.SIGUSR1)
    for r in readers:
        r.next(timeout=180)
    recordings = []
    for c in clients:
        c.wait(60)
        with open(c.out) as f:  # type: ignore[attr-defined]
            rec = json.load(f)
        rec["numbers"] = [n + c.offset for n in rec["numbers"]]  # type: ignore[attr-defined]
        recordings.append(rec)
    return recordings


def wait_until(check, timeout: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(step)
    return False


def expected_from_taps(
    messages: list[dict], topics: set[str], events: set[int], since: dict[int, int]
) -> dict[str, dict[int, set[int]]]:
    """topic -> event -> versions published to it after `since` (covers expanded)."""
    expected: dict[str, dict[int, set[int]]] = {t: defaultdict(set) for t in topics}
    for m in messages:
        if m["event"] not in events:
            continue
        for topic in m["topics"]:
            if topic in expected:
                low = max(m["from"], since.get(m["event"], 0) + 1)
                expected[topic][m["event"]].update(range(low, m["version"] + 1))
    return expected


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--rate", type=float, default=200)
    p.add_argument("--events", type=int, default=200)
    p.add_argument("--viewers", type=int, default=1000)
    p.add_argument("--seconds", type=float, default=20)
    p.add_argument("--database-url", required=True)
    p.add_argument("--redis-url", required=True)
    p.add_argument("--broker-url", required=True)
    p.add_argument("--port", type=int, default=8700)
    p.add_argument("--skip-baseline", action="store_true", help="development only")
    args = p.parse_args()
    raise_fd_limit()
    work = Path(tempfile.mkdtemp(prefix="bench-glass-"))
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "CELERY_BROKER_URL": args.broker_url,
        "DEBUG": "0",
        "SECRET_KEY": "bench-glass-not-a-secret-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "FEED_PUSH_SECRETS": f"glass={SECRET}",
        "FEED_INGEST_PARTITIONS": "2",  # as scripts/run.sh sets for the Procfile
        # Every viewer connects from 127.0.0.1: the per-address socket limit would refuse
        # all but the first few hundred (a real audience comes from many addresses).
        "WS_CONNECTIONS_PER_IP": str(args.viewers + 100),
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
        # The Procfile names `uvicorn`, `celery` and `python`: this virtualenv's.
        "PATH": f"{Path(PY).parent}:{os.environ.get('PATH', '')}",
    }
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liveapp.settings")
    ensure_database(args.database_url)
    import django

    django.setup()
    import redis
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from liveapp.celery import purge_queues
    from scoreboard.feeds.models import Provider
    from scoreboard.feeds.simulator.setup import create_match_event, ensure_provider
    from scoreboard.models import Change, Event

    call_command("migrate", verbosity=0)
    redis.Redis.from_url(args.redis_url).flushdb()
    purge_queues(["celery", "ingest", "ingest.0", "ingest.1"])
    ensure_provider("glass", Provider.Kind.PUSH)
    print(f"-- planning {args.events} matches", file=sys.stderr, flush=True)
    stamp = str(int(time.time()))
    plan = plan_matches(events=args.events, rate=args.rate, seconds=args.seconds, stamp=stamp)
    for match in plan.matches:
        event = create_match_event(
            sport_kind=match.sport, providers=["glass"], match_id=match.match_id, priorities={}
        )
        match.event_id, match.sport_slug = event.pk, event.competition.sport.slug
    event_ids = {m.event_id for m in plan.matches}
    topics = viewer_topics(plan, args.viewers)
    procs = Procs()
    out: dict = {"bench": "glass", "rate": args.rate, "events": args.events,
                 "viewers": args.viewers, "seconds": args.seconds}  # fmt: skip
    try:
        # ------------------------------------------------------------------ ours
        commands = procfile_commands(args.port, 9700)
        started = {}
        for name, command in commands.items():
            started[name] = procs.start(
                ["bash", "-c", f"exec env {command}"], env, work / f"{name}.log",
                stdout=subprocess.DEVNULL,
            )  # fmt: skip
        wait_port(args.port, started["web"])
        wait_until(lambda: _healthy(args.port), 60)
        sender = Sender(port=args.port, path="/feeds/glass/push", secret=SECRET)
        print("-- warm-up: every match to its starting state", file=sys.stderr, flush=True)
        sender.send_all([(k, m.warmup) for k, m in enumerate(plan.matches)], args.rate)

        def unpublished() -> int:
            return Change.objects.filter(published_at__isnull=True).count()

        def processed() -> int:
            from scoreboard.feeds.models import ProcessedMessage

            return ProcessedMessage.objects.filter(
                provider="glass", message_id__startswith=f"glass-{stamp}-"
            ).count()

        wait_until(lambda: processed() >= len(plan.matches) and unpublished() == 0, 120, 0.5)
        connection.close()
        initial = dict(Event.objects.filter(pk__in=event_ids).values_list("pk", "version"))
        head = Change.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        urls = [f"ws://127.0.0.1:{args.port}/ws/live/?topics={t}&since={head}" for t in topics]
        clients, readers, connected = connect_viewers(procs, work, "ours", urls)
        print(f"-- ours: {connected}/{args.viewers} viewers", file=sys.stderr, flush=True)
        time.sleep(1.0)  # connect-time work settles
        tap = Tap(args.redis_url, settings.LIVE_CHANNEL)
        tap.start()
        tap.ready.wait(5)
        sampler = Sampler(started["publisher"].pid, unpublished)
        sampler.start()
        servers = [p.pid for p in started.values()]
        client_pids = [c.pid for c in clients]
        cpu0, ccpu0, pg0, t0 = (
            cpu_of(_tree(servers)),
            cpu_of(client_pids),
            cpu_of_postgres(),
            time.time(),
        )
        print(f"-- ours: {len(plan.sends)} pushes at {args.rate}/s", file=sys.stderr, flush=True)
        took = sender.send_all(plan.sends, args.rate)
        warm_n = len(plan.matches)
        wait_until(lambda: processed() >= warm_n + len(plan.sends) and unpublished() == 0, 60, 0.2)
        time.sleep(1.0)  # the last frames reach the viewers
        cpu1, ccpu1, pg1, t1 = (
            cpu_of(_tree(servers)),
            cpu_of(client_pids),
            cpu_of_postgres(),
            time.time(),
        )
        sampler.done.set()
        tap.done.set()
        recordings = collect_viewers(clients, readers)
        changes = list(
            Change.objects.filter(pk__gt=head, event_id__in=event_ids).values_list(
                "event_id", "version", "created_at", "payload"
            )
        )
        final = dict(Event.objects.filter(pk__in=event_ids).values_list("pk", "version"))
        versions: dict[tuple[int, int], Version] = {}
        for event, version, created, payload in changes:
            if payload.get("upstream_at") and payload.get("received_at"):
                versions[(event, version)] = Version(
                    payload["upstream_at"], payload["received_at"], created.timestamp()
                )
        for m in tap.messages:
            for v in range(m["from"], m["version"] + 1):
                if (m["event"], v) in versions and versions[(m["event"], v)].published is None:
                    # The message's commit time is its oldest change's transaction's.
                    versions[(m["event"], v)].committed = m["ts"]["committed"]
                    versions[(m["event"], v)].published = m["ts"]["published"]
        # What each topic should have carried: event and sport topics every version of
        # their events (from the change log, so a change never published is a loss);
        # `live` what was published to it.
        expected = expected_from_taps(tap.messages, set(topics), event_ids, initial)
        sport_of = {m.event_id: m.sport_slug for m in plan.matches}
        for event, version, _, _ in changes:
            for topic in (f"event.{event}", f"sport.{sport_of[event]}"):
                if topic in expected:
                    expected[topic][event].add(version)
        ours = analyze(viewer_topics=topics, recordings=recordings, expected_by_topic=expected,
                       versions=versions, initial=initial, final=final)  # fmt: skip
        _count_failed(ours, topics, recordings, expected)
        (work / "ours.lost.json").write_text(json.dumps(ours.lost_sample))
        (work / "ours.tap.json").write_text(json.dumps(tap.messages))
        rows = sorted(m["row"] for m in tap.messages)
        details = sorted(m["detail"] for m in tap.messages if m["detail"])
        out.update(ours.summary())
        out.update(
            connected=sum(len(r["numbers"]) for r in recordings),
            per_s=round(ours.delivered / max(took, 1e-9), 1),
            messages=len(plan.sends),
            changes=len(changes),
            send_seconds=round(took, 2),
            send_late_p99_ms=round(percentile(sorted(sender.late), 99) * 1000, 1)
            if sender.late
            else 0.0,
            push_errors=sender.errors,
            pushes=sender.pushes,
            server_cpu_pct=round(100 * (cpu1 - cpu0) / (t1 - t0), 1),
            # The whole server side (web, workers, publisher, beat) per delivery made.
            us_per_delivery=round(1e6 * (cpu1 - cpu0) / max(ours.delivered, 1), 1),
            postgres_cpu_pct=round(100 * (pg1 - pg0) / (t1 - t0), 1),
            client_cpu_pct=round(100 * (ccpu1 - ccpu0) / (t1 - t0), 1),
            publisher_rss_max_mb=round(max(sampler.rss_mb, default=0), 1),
            publisher_rss_first_mb=round(sampler.rss_mb[0], 1) if sampler.rss_mb else 0,
            unpublished_max=max(sampler.queue, default=0),
            frames_row_median_bytes=rows[len(rows) // 2] if rows else 0,
            frames_detail_median_bytes=details[len(details) // 2] if details else 0,
        )
        for name in reversed(list(started)):
            procs.stop(started[name])
        if not args.skip_baseline:
            out.update(bare_run(args, plan, topics, procs, work, out, sender_cls=Sender))
            out["ratio_p99"] = round(out["p99_ms"] / out["baseline_p99_ms"], 2)
            out["ratio"] = round(out["us_per_delivery"] / out["baseline_us_per_delivery"], 2)
        out["procfile"] = sorted(commands)
        out["differs_from_procfile"] = (
            f"web on port {args.port}, worker metrics on 97xx; no demo feed (the bench pushes);"
            f" WS_CONNECTIONS_PER_IP={args.viewers + 100} (all viewers share 127.0.0.1)"
        )
        out["not_covered"] = NOT_COVERED
        out["work_dir"] = str(work)
    finally:
        procs.stop_all()
    _table(out)
    print(json.dumps(out), flush=True)


def bare_run(args, plan: Plan, topics: list[str], procs: Procs, work: Path, ours: dict,
             sender_cls) -> dict:  # fmt: skip
    """The same pushes, subscriptions and client on the bare pipeline."""
    import psycopg

    with psycopg.connect(args.database_url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS glass_bare")
        conn.execute("CREATE TABLE glass_bare (id bigserial PRIMARY KEY, event_id int, "
                     "version int, body jsonb, created_at timestamptz DEFAULT now())")  # fmt: skip
    matches = {m.match_id: [m.event_id, m.sport_slug] for m in plan.matches}
    (work / "matches.json").write_text(json.dumps(matches))
    channel = f"bench:glass:bare:{os.getpid()}"
    bare_env = {
        **os.environ,
        "GLASS_SECRET": SECRET,
        "GLASS_CHANNEL": channel,
        "GLASS_ROW_BYTES": str(ours["frames_row_median_bytes"]),
        "GLASS_DETAIL_BYTES": str(ours["frames_detail_median_bytes"]),
        "GLASS_MATCHES": str(work / "matches.json"),
        "GLASS_DATABASE_URL": args.database_url,
        "GLASS_REDIS_URL": args.redis_url,
    }
    intake_port, fanout_port = args.port + 10, args.port + 11
    intake = procs.start(
        [PY, "-m", "uvicorn", "bench.glass.bare:intake_app", "--factory", "--host", "127.0.0.1",
         "--port", str(intake_port), "--lifespan", "off", "--no-access-log",
         "--log-level", "warning"],
        bare_env, work / "bare.intake.log", stdout=subprocess.DEVNULL,
    )  # fmt: skip
    fanout = procs.start(
        [PY, "-m", "bench.glass.bare", "fanout", "--port", str(fanout_port), "--redis",
         args.redis_url, "--channel", channel],
        bare_env, work / "bare.fanout.log", stdout=subprocess.DEVNULL,
    )  # fmt: skip
    wait_port(intake_port, intake)
    wait_port(fanout_port, fanout)
    urls = [f"ws://127.0.0.1:{fanout_port}/ws/live/?topics={t}" for t in topics]
    clients, readers, _ = connect_viewers(procs, work, "bare", urls)
    time.sleep(1.0)
    tap = Tap(args.redis_url, channel)
    tap.start()
    tap.ready.wait(5)
    servers, client_pids = [intake.pid, fanout.pid], [c.pid for c in clients]
    cpu0, ccpu0, t0 = cpu_of(servers), cpu_of(client_pids), time.time()
    print(f"-- bare: {len(plan.sends)} pushes at {args.rate}/s", file=sys.stderr, flush=True)
    sender = sender_cls(port=intake_port, path="/push", secret=SECRET)
    took = sender.send_all(plan.sends, args.rate)
    wait_until(lambda: len(tap.messages) >= len(plan.sends), 60)
    time.sleep(1.0)
    cpu1, ccpu1, t1 = cpu_of(servers), cpu_of(client_pids), time.time()
    tap.done.set()
    recordings = collect_viewers(clients, readers)
    procs.stop(intake)
    procs.stop(fanout)
    versions = {
        (m["event"], m["version"]): Version(m["ts"]["upstream"], m["ts"]["received"],
                                            m["ts"]["committed"], m["ts"]["published"])
        for m in tap.messages
    }  # fmt: skip
    events = {m.event_id for m in plan.matches}
    expected = expected_from_taps(tap.messages, set(topics), events, {})
    final: dict[int, int] = defaultdict(int)
    for m in tap.messages:
        final[m["event"]] = max(final[m["event"]], m["version"])
    bare = analyze(viewer_topics=topics, recordings=recordings, expected_by_topic=expected,
                   versions=versions, initial={}, final=final)  # fmt: skip
    _count_failed(bare, topics, recordings, expected)
    summary = bare.summary("baseline_")
    summary.update(
        baseline_connected=sum(len(r["numbers"]) for r in recordings),
        baseline_per_s=round(bare.delivered / max(took, 1e-9), 1),
        baseline_server_cpu_pct=round(100 * (cpu1 - cpu0) / (t1 - t0), 1),
        baseline_us_per_delivery=round(1e6 * (cpu1 - cpu0) / max(bare.delivered, 1), 1),
        baseline_client_cpu_pct=round(100 * (ccpu1 - ccpu0) / (t1 - t0), 1),
        baseline_push_errors=sender.errors,
        baseline_pushes=sender.pushes,
    )
    return summary


def _count_failed(result: Result, topics: list[str], recordings: list[dict], expected) -> None:
    """Viewers that never connected lose everything their topic carried."""
    seen = {n for r in recordings for n in r["numbers"]}
    for number, topic in enumerate(topics):
        if number not in seen:
            missed = sum(len(v) for v in expected.get(topic, {}).values())
            result.expected += missed
            result.lost += missed


def _tree(pids: list[int]) -> list[int]:
    """These processes and their children (Celery's prefork children, uvicorn's)."""
    found = set(pids)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) in found:
            found.add(int(stat.parent.name))
    return sorted(found)


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def _table(out: dict) -> None:
    print(f"\nfeed -> screen, {out['rate']:.0f} msg/s over {out['events']} events, "
          f"{out['viewers']} viewers, {out['seconds']:.0f} s", file=sys.stderr)  # fmt: skip
    for prefix, name in (("", "ours"), ("baseline_", "bare")):
        if f"{prefix}p99_ms" not in out:
            continue
        print(f"  {name:5} p50 {out[f'{prefix}p50_ms']:7.1f}  p95 {out[f'{prefix}p95_ms']:7.1f}  "
              f"p99 {out[f'{prefix}p99_ms']:7.1f}  lost {out[f'{prefix}lost']}/"
              f"{out[f'{prefix}expected']}", file=sys.stderr)  # fmt: skip
        stages = "  ".join(f"{stage} {out.get(f'{prefix}{stage}_p99_ms')}" for stage in STAGES)
        print(f"        stage p99 ms: {stages}", file=sys.stderr)
    print(f"  not covered: {out.get('not_covered', '')}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
