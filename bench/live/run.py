"""`make bench-live`: live fan-out of our stack against the `websockets.broadcast` floor.

One invocation, one machine, separate processes (docs/PERFORMANCE.md):
1. creates/migrates the benchmark database and seeds a few live events (services);
2. for each ASGI server (uvicorn, daphne) serving `liveapp.asgi:application` on Redis:
   VIEWERS sockets subscribe to topic `live` from separate client process(es), and a
   driver process writes RATE changes/s for SECONDS through the service layer (as a
   worker would); latency = commit -> receipt at the client;
3. the baseline: a plain `websockets` server, one Redis subscription, `websockets.broadcast`,
   fed the same frames (captured from step 2) at the same rate by a publisher process;
   latency = publish -> receipt;
4. optionally (--alt core,pubsub) the textbook design: one channel-layer group member per
   socket, RedisChannelLayer / RedisPubSubChannelLayer.
Prints a table, then as its LAST line one JSON object (uvicorn's figures, `baseline_*`,
`daphne_*`, `ratio` = our server CPU µs per delivery / the baseline's).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import math
import os
import resource
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.glass.analyze import parse_frame
from bench.live.common import cpu_of, frame_seq, frame_versions, percentile
from liveapp.database import ensure_database

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable
TOPIC = "live"
VIEWERS_PER_CLIENT = 2500  # one client process per this many viewers (client CPU < 1 core)


# ---------------------------------------------------------------- processes


class Procs:
    """Every process this run starts, so each is stopped (by its own pid) at the end."""

    def __init__(self, nice: int = 0) -> None:
        self.started: list[subprocess.Popen] = []
        self.nice = nice

    def start(self, argv: list[str], env: dict, log: Path, **kw) -> subprocess.Popen:
        proc = subprocess.Popen(
            argv,
            env=env,
            cwd=ROOT,
            stderr=open(log, "ab"),  # noqa: SIM115 - the child keeps it
            # With --nice each process gets its own session, hence its own scheduler
            # autogroup, whose weight the niceness then sets (plain nice only ranks
            # processes inside one autogroup when sched_autogroup is on).
            start_new_session=bool(self.nice),
            **kw,
        )
        if self.nice:
            with contextlib.suppress(OSError):
                Path(f"/proc/{proc.pid}/autogroup").write_text(str(self.nice))
        self.started.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen, timeout: float = 5.0) -> None:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)

    def stop_all(self) -> None:
        for proc in reversed(self.started):
            self.stop(proc)


class LineReader:
    """JSON lines from a child's stdout pipe, with a timeout (no blocking readline)."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.proc, self.buf = proc, b""

    def next(self, timeout: float) -> dict:
        deadline = time.time() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.time()
            if left <= 0:
                raise TimeoutError(f"no line from pid {self.proc.pid} in {timeout}s")
            ready, _, _ = select.select([self.proc.stdout], [], [], left)
            if ready:
                chunk = os.read(self.proc.stdout.fileno(), 65536)
                if not chunk:
                    raise RuntimeError(f"pid {self.proc.pid} exited (rc={self.proc.poll()})")
                self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)


class PublishTap(threading.Thread):
    """Listens on the project's live channel: when each change reached Redis (its
    `ts.published`), to split commit -> receipt into publisher and fan-out parts."""

    def __init__(self, redis_url: str, channel: str) -> None:
        super().__init__(daemon=True)
        self.redis_url, self.channel = redis_url, channel
        self.published: dict[int, float] = {}
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
            with contextlib.suppress(ValueError, KeyError, TypeError):
                message = json.loads(item["data"])
                self.published[message["seq"]] = message["ts"]["published"] or time.time()
        pubsub.close()


def live_channel(redis_url: str) -> str:
    """The project's channel name (liveapp/settings.py LIVE_CHANNEL)."""
    return os.environ.get("LIVE_CHANNEL") or f"scoreline:changes:{redis_url.rsplit('/', 1)[-1]}"


def wait_port(port: int, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early (rc={proc.returncode})")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"nothing listens on port {port} after {timeout}s")


def raise_fd_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return want


# ---------------------------------------------------------------- setup


def latest_seq(database_url: str) -> int:
    """The change log's head: viewers connect current, so no replay is measured."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT coalesce(max(id), 0) FROM scoreboard_change").fetchone()[0]


def django_env(args: argparse.Namespace, **extra: str) -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="liveapp.settings",
        DATABASE_URL=args.database_url,
        REDIS_URL=args.redis_url,
        DEBUG=os.environ.get("BENCH_DEBUG", "0"),
        SECRET_KEY=os.environ.get("SECRET_KEY") or "bench-live-not-a-secret",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
        # Every viewer connects from 127.0.0.1: lift the per-address socket limit (a real
        # audience comes from many addresses).
        WS_CONNECTIONS_PER_IP=str(args.viewers + 100),
    )
    env.update(extra)
    return env


def setup(args: argparse.Namespace, work: Path) -> dict:
    ensure_database(args.database_url)
    env = django_env(args)
    log = open(work / "setup.log", "ab")  # noqa: SIM115
    subprocess.run(
        [PY, "manage.py", "migrate", "--noinput", "-v", "0"],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=log,
        stderr=log,
    )
    out = subprocess.run(
        [PY, "-m", "bench.live.seed", "--events", str(args.events)],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- one phase


@dataclass
class Phase:
    name: str  # "uvicorn", "daphne", "baseline", "alt-core", ...
    server_argv: list[str]
    server_env: dict
    port: int
    driver_argv: list[str]  # without --out
    driver_env: dict
    match: str  # "version" (our frames) or "seq" (replayed frames)
    result: dict = field(default_factory=dict)


def run_phase(phase: Phase, args: argparse.Namespace, procs: Procs, work: Path) -> dict:
    print(f"-- {phase.name}: starting server on :{phase.port}", file=sys.stderr, flush=True)
    server = procs.start(
        phase.server_argv,
        phase.server_env,
        work / f"{phase.name}.server.log",
        stdout=subprocess.DEVNULL,
    )
    clients: list[subprocess.Popen] = []
    try:
        wait_port(phase.port, server)
        time.sleep(0.5)
        # At the head: no replay in the figures; --since-behind N measures a reconnect storm.
        since = max(0, latest_seq(args.database_url) - args.since_behind)
        url = f"ws://127.0.0.1:{phase.port}/ws/live/?topics={TOPIC}&since={since}"
        n_clients = args.client_procs or max(1, math.ceil(args.viewers / VIEWERS_PER_CLIENT))
        shares = [
            args.viewers // n_clients + (i < args.viewers % n_clients) for i in range(n_clients)
        ]
        readers = []
        connect_cpu0 = cpu_of([server.pid])
        for i, share in enumerate(shares):
            out = work / f"{phase.name}.viewers{i}.json"
            proc = procs.start(
                [
                    PY,
                    "-m",
                    "bench.live.viewers",
                    "--url",
                    url,
                    "--viewers",
                    str(share),
                    "--out",
                    str(out),
                ],
                django_env(args),
                work / f"{phase.name}.viewers{i}.log",
                stdout=subprocess.PIPE,
            )
            clients.append(proc)
            readers.append(LineReader(proc))
        ready = [r.next(timeout=180) for r in readers]
        connect_cpu = cpu_of([server.pid]) - connect_cpu0
        connected = sum(r["ready"] for r in ready)
        connect_s = max(r["connect_s"] for r in ready)
        print(
            f"-- {phase.name}: {connected}/{args.viewers} viewers connected in {connect_s:.1f}s",
            file=sys.stderr,
            flush=True,
        )
        time.sleep(1.0)  # let connect-time work (replay, subscribe) settle

        server_pids = [server.pid]
        client_pids = [c.pid for c in clients]
        cpu0_s, cpu0_c, t0 = cpu_of(server_pids), cpu_of(client_pids), time.time()
        driver_out = work / f"{phase.name}.driver.json"
        spy = None
        if args.py_spy:  # sample the server while the driver runs (collapsed stacks)
            spy = procs.start(
                [args.py_spy, "record", "--pid", str(server.pid), "--format", "raw", "--rate",
                 "250", "--duration", str(int(args.seconds)), "--nonblocking", "-o",
                 str(work / f"{phase.name}.pyspy.txt")],
                os.environ.copy(), work / f"{phase.name}.pyspy.log", stdout=subprocess.DEVNULL,
            )  # fmt: skip
        tap = None
        if phase.match == "version":
            tap = PublishTap(args.redis_url, live_channel(args.redis_url))
            tap.start()
            tap.ready.wait(5)
        driver_log = work / f"{phase.name}.driver.log"
        drv = procs.start(
            [*phase.driver_argv, "--out", str(driver_out)],
            phase.driver_env,
            driver_log,
            stdout=subprocess.DEVNULL,
        )
        if drv.wait(args.seconds * 20 + 120) != 0:
            raise RuntimeError(f"driver failed: {driver_log.read_text()[-2000:]}")
        drain_started = time.time()
        if spy is not None:
            spy.wait(30)
        # Drained once the server is idle (< 5% of a core over 0.5 s), bounded.
        last = cpu_of(server_pids)
        while time.time() - drain_started < args.drain_max:
            time.sleep(0.5)
            now = cpu_of(server_pids)
            if now - last < 0.025 and time.time() - drain_started >= 1.0:
                break
            last = now
        cpu1_s, cpu1_c, t1 = cpu_of(server_pids), cpu_of(client_pids), time.time()
        for c in clients:
            c.send_signal(signal.SIGUSR1)
        for r in readers:
            r.next(timeout=120)
        for c in clients:
            c.wait(60)
        with open(driver_out) as f:
            driver = json.load(f)
        viewers_data = []
        for i in range(len(clients)):
            with open(work / f"{phase.name}.viewers{i}.json") as f:
                viewers_data.append(json.load(f))
    finally:
        for c in clients:
            procs.stop(c)
        procs.stop(server)
    if tap is not None:
        tap.done.set()
        tap.join(2)
    res = analyse(phase, args, driver, viewers_data, tap.published if tap else {})
    wall = t1 - t0
    res.update(
        connected=connected,
        connect_s=round(connect_s, 2),
        connect_server_cpu_s=round(connect_cpu, 2),
        server_cpu_s=round(cpu1_s - cpu0_s, 3),
        server_cpu_pct=round(100 * (cpu1_s - cpu0_s) / wall, 1),
        client_cpu_pct=round(100 * (cpu1_c - cpu0_c) / wall, 1),
        client_procs=len(clients),
        window_s=round(wall, 2),
        drain_s=round(t1 - drain_started, 2),
        driver_errors=len(driver["errors"]),
        driver_worst_late_ms=round(1000 * driver["worst_late_s"], 1),
    )
    res["us_per_delivery"] = (
        round(1e6 * (cpu1_s - cpu0_s) / res["delivered"], 1) if res["delivered"] else None
    )
    if driver["errors"]:
        res["driver_error_sample"] = driver["errors"][:3]
    return res


def analyse(
    phase: Phase,
    args: argparse.Namespace,
    driver: dict,
    viewers: list[dict],
    published: dict[int, float],
) -> dict:
    """Match receipts to changes, per viewer: latency of each delivery, lost, duplicates."""
    changes = driver["changes"]
    commit_t = {c["seq"]: c["t"] for c in changes}
    by_event: dict[int, list[tuple[int, int]]] = {}
    for c in changes:
        by_event.setdefault(c["event"], []).append((c["version"], c["seq"]))
    for versions in by_event.values():
        versions.sort()
    first_version = {event: versions[0][0] for event, versions in by_event.items()}
    latencies: list[float] = []
    fanout: list[float] = []  # Redis publish -> receipt (ours; the baseline's own measure)
    duplicates = superseded = control = html_frames = 0
    frame_sizes: list[int] = []
    captured: dict[int, str] = {}  # seq -> frame, for the baseline's replay
    closes: dict[str, int] = {}
    for part in viewers:
        for code, n in part["closes"].items():
            closes[code] = closes.get(code, 0) + n
        frames = part["frames"]
        parsed = []
        for fr in frames:
            if fr.startswith("{"):
                parsed.append(None)
                continue
            seq = frame_seq(fr)
            covers = parse_frame(fr).covers if phase.match == "version" else {}
            parsed.append((seq, frame_versions(fr) if phase.match == "version" else {}, covers))
            if seq is not None and seq in commit_t:
                captured.setdefault(seq, fr)
                frame_sizes.append(len(fr.encode()))
        for idxs, times in part["viewers"]:
            seen_seq: set[int] = set()
            max_version: dict[int, int] = {}
            for k, t in zip(idxs, times, strict=True):
                info = parsed[k] if k >= 0 else None
                if info is None:
                    control += 1
                    continue
                html_frames += 1
                seq, versions, covers = info
                if versions:
                    any_new = False
                    for event, ver in versions.items():
                        # Viewers connect at the head: the version before the run's first.
                        prev = max_version.get(event, first_version.get(event, 1) - 1)
                        if ver <= prev:
                            continue
                        max_version[event] = ver
                        any_new = True
                        # A jump delivers the versions the frame says it covers; those it
                        # skips without covering them are lost (a browser would refetch).
                        start = covers.get(event, ver)
                        for v, s in by_event.get(event, ()):
                            if prev < v <= ver and v >= start:
                                latencies.append(t - commit_t[s])
                                if s in published:
                                    fanout.append(t - published[s])
                                if v != ver:
                                    superseded += 1
                    if not any_new:
                        duplicates += 1
                elif seq is not None:
                    if seq in seen_seq:
                        duplicates += 1
                    elif seq in commit_t:
                        seen_seq.add(seq)
                        latencies.append(t - commit_t[seq])
    latencies.sort()
    # Every viewer asked for counts: one that never connected lost every change.
    expected = len(changes) * args.viewers
    delivered = len(latencies)
    # Throughput over the time deliveries actually took: from the first change to the
    # later of (last change + one interval, last receipt) - a saturated server drains late.
    last_receipt = max((times[-1] for part in viewers for _, times in part["viewers"] if times),
                       default=0.0)  # fmt: skip
    span = max(changes[-1]["t"] + 1 / args.rate, last_receipt) - changes[0]["t"] if changes else 1.0
    ms = [1000 * x for x in latencies]
    res = {
        "changes": len(changes),
        "expected": expected,
        "delivered": delivered,
        "lost": expected - delivered,
        "duplicates": duplicates,
        "superseded": superseded,
        "control_frames": control,
        "html_frames": html_frames,
        "p50_ms": round(percentile(ms, 50), 1) if ms else None,
        "p95_ms": round(percentile(ms, 95), 1) if ms else None,
        "p99_ms": round(percentile(ms, 99), 1) if ms else None,
        "max_ms": round(ms[-1], 1) if ms else None,
        "per_s": round(delivered / span, 1),
        "frame_bytes": sorted(frame_sizes)[len(frame_sizes) // 2] if frame_sizes else None,
        "closes": closes,
    }
    reached = [c for c in changes if c["seq"] in published]
    publish = sorted(1000 * (published[c["seq"]] - c["t"]) for c in reached)
    if publish:  # commit -> PUBLISH to Redis, in the driver (load + render fragments)
        res["publish_p50_ms"] = round(percentile(publish, 50), 1)
        res["publish_p99_ms"] = round(percentile(publish, 99), 1)
        res["publish_max_ms"] = round(publish[-1], 1)
    if fanout:
        fanout.sort()
        res["fanout_p50_ms"] = round(1000 * percentile(fanout, 50), 1)
        res["fanout_p99_ms"] = round(1000 * percentile(fanout, 99), 1)
    res["_captured"] = [captured[s] for s in sorted(captured)]
    return res


# ---------------------------------------------------------------- phases


def build_phases(args: argparse.Namespace, seed: dict, work: Path) -> list[Phase]:
    base = args.port_base
    env = django_env(args)
    load = ["--rate", str(args.rate), "--seconds", str(args.seconds)]
    service_driver = [PY, "-m", "bench.live.driver", "service", *load,
                      "--events", ",".join(map(str, seed["events"]))]  # fmt: skip
    frames_file = str(work / "frames.json")
    phases = []
    for i, server in enumerate(s for s in args.servers.split(",") if s):
        port = base + 1 + i
        if server in ("uvicorn", "uvicorn-nosession"):
            app = "liveapp.asgi:application"
            if server == "uvicorn-nosession":  # measurement only (see nosession_asgi.py)
                app = "bench.live.nosession_asgi:application"
            argv = [PY, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port),
                    "--ws-per-message-deflate", "false", "--no-access-log",
                    "--log-level", "warning", "--backlog", "4096"]  # fmt: skip
        elif server == "daphne":
            argv = [PY, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "-v", "0",
                    "liveapp.asgi:application"]  # fmt: skip
        else:
            raise SystemExit(f"unknown server {server!r} (uvicorn, daphne, uvicorn-nosession)")
        phases.append(Phase(server, argv, env, port, service_driver, env, "version"))
    if not args.no_baseline:
        port, channel = base + 10, "bench:baseline"
        server_argv = [PY, "-m", "bench.live.baseline_server", "--port", str(port),
                       "--redis", args.redis_url, "--channel", channel]  # fmt: skip
        driver_argv = [PY, "-m", "bench.live.driver", "frames", *load, "--frames", frames_file,
                       "--redis", args.redis_url, "--channel", channel]  # fmt: skip
        phases.append(Phase("baseline", server_argv, env, port, driver_argv, env, "seq"))
    for j, layer in enumerate(a for a in args.alt.split(",") if a):
        port = base + 20 + j
        alt_env = django_env(
            args, DJANGO_SETTINGS_MODULE="bench.live.alt_settings", BENCH_LAYER=layer
        )
        server_argv = [PY, "-m", "uvicorn", "bench.live.alt_asgi:application",
                       "--host", "127.0.0.1", "--port", str(port),
                       "--ws-per-message-deflate", "false", "--no-access-log",
                       "--log-level", "warning", "--backlog", "4096"]  # fmt: skip
        driver_argv = [PY, "-m", "bench.live.driver", "group", *load, "--frames", frames_file]
        phase = Phase(f"alt-{layer}", server_argv, alt_env, port, driver_argv, alt_env, "seq")
        phases.append(phase)
    return phases


def clear_alt_keys(redis_url: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match="benchalt*", count=1000))
    if keys:
        client.delete(*keys)


# ---------------------------------------------------------------- report

COLUMNS = [
    ("server", "name", "{}"),
    ("viewers", "connected", "{}"),
    ("expected", "expected", "{}"),
    ("delivered", "delivered", "{}"),
    ("lost", "lost", "{}"),
    ("dup", "duplicates", "{}"),
    ("p50 ms", "p50_ms", "{}"),
    ("p95 ms", "p95_ms", "{}"),
    ("p99 ms", "p99_ms", "{}"),
    ("max ms", "max_ms", "{}"),
    ("per s", "per_s", "{}"),
    ("server CPU %", "server_cpu_pct", "{}"),
    ("µs/delivery", "us_per_delivery", "{}"),
    ("client CPU %", "client_cpu_pct", "{}"),
    ("ratio", "ratio", "{}"),
]
KEYS = [
    "expected",
    "delivered",
    "lost",
    "duplicates",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "max_ms",
    "per_s",
    "server_cpu_pct",
    "client_cpu_pct",
    "us_per_delivery",
]


def print_table(results: list[dict], args: argparse.Namespace) -> None:
    rows = [
        [fmt.format(r.get(key, "")) if r.get(key) is not None else "-" for _, key, fmt in COLUMNS]
        for r in results
    ]
    heads = [h for h, _, _ in COLUMNS]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(heads)]
    print(
        f"\nLive fan-out: {args.viewers} viewers x {args.rate:g} changes/s x {args.seconds:g} s"
        f" (topic {TOPIC!r}; ratio = server CPU µs per delivery / baseline's)"
    )
    print("| " + " | ".join(h.ljust(w) for h, w in zip(heads, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
    for r in results:
        notes = []
        if r.get("superseded"):
            notes.append(f"{r['superseded']} deliveries by a newer version (coalesced)")
        if r.get("control_frames"):
            notes.append(f"{r['control_frames']} control frames")
        if r.get("driver_errors"):
            notes.append(f"driver errors {r['driver_errors']}: {r.get('driver_error_sample')}")
        if r.get("closes"):
            notes.append(f"closes {r['closes']}")
        if r.get("error"):
            notes.append(f"FAILED: {r['error']}")
        if "publish_p50_ms" in r:
            notes.append(
                f"commit->PUBLISH p50 {r['publish_p50_ms']} p99 {r['publish_p99_ms']} "
                f"max {r['publish_max_ms']} ms"
            )
        if "fanout_p50_ms" in r:
            notes.append(f"PUBLISH->receipt p50 {r['fanout_p50_ms']} p99 {r['fanout_p99_ms']} ms")
        notes.append(
            f"frame {r.get('frame_bytes')} B, driver late max "
            f"{r.get('driver_worst_late_ms')} ms, drain {r.get('drain_s')} s, "
            f"{r.get('client_procs')} client proc(s), connect {r.get('connect_s')} s "
            f"(server CPU {r.get('connect_server_cpu_s')} s)"
        )
        print(f"  {r['name']}: " + "; ".join(notes))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--viewers", type=int, default=1000)
    p.add_argument("--rate", type=float, default=10.0)
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--servers", default="uvicorn,daphne", help="ours: uvicorn,daphne")
    p.add_argument("--alt", default="", help="also the textbook layers: core,pubsub")
    p.add_argument("--no-baseline", action="store_true")
    p.add_argument("--events", type=int, default=20, help="live events the driver changes")
    p.add_argument("--client-procs", type=int, default=0, help="0 = one per 2,500 viewers")
    p.add_argument("--drain-max", type=float, default=30.0)
    p.add_argument("--port-base", type=int, default=8600)
    p.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/scoreline_bench"
        ),
    )
    p.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6")
    )
    p.add_argument("--nice", type=int, default=0, help="niceness increment for the run")
    p.add_argument("--since-behind", type=int, default=0,
                   help="viewers connect this many changes behind (replay on connect)")  # fmt: skip
    p.add_argument("--keep", action="store_true", help="keep the work directory")
    p.add_argument("--py-spy", default="", help="path to py-spy: profile servers (keeps work)")
    args = p.parse_args(argv)

    fds = raise_fd_limit()
    if args.nice:
        # On a machine shared with other work, a negative value (root) keeps the others'
        # load out of the latency figures; every process of the run inherits it.
        try:
            os.nice(args.nice)
        except PermissionError:
            print(f"warning: cannot set niceness {args.nice}; running at 0", file=sys.stderr)
            args.nice = 0
    if fds < 2 * args.viewers + 200:
        print(f"warning: open-files limit {fds} is low for {args.viewers} viewers", file=sys.stderr)
    work = Path(tempfile.mkdtemp(prefix="bench-live-"))
    procs = Procs(args.nice)
    results: list[dict] = []
    started = dt.datetime.now(dt.UTC)
    load_before = os.getloadavg()[0]
    try:
        seed = setup(args, work)
        print(
            f"-- seeded events {seed['events']} (since={seed['since']}); work dir {work}",
            file=sys.stderr,
            flush=True,
        )
        for phase in build_phases(args, seed, work):
            if phase.name.startswith("alt-"):
                clear_alt_keys(args.redis_url)
            try:
                res = run_phase(phase, args, procs, work)
            except Exception as exc:
                res = {"error": f"{type(exc).__name__}: {exc}"[:500]}
            res["name"] = phase.name
            captured = res.pop("_captured", None)
            if captured and not (work / "frames.json").exists():
                (work / "frames.json").write_text(json.dumps(captured))
            results.append(res)
    finally:
        procs.stop_all()
        if not args.keep and not args.py_spy:
            shutil.rmtree(work, ignore_errors=True)

    by_name = {r["name"]: r for r in results}
    base = by_name.get("baseline", {})
    for r in results:
        if r.get("us_per_delivery") and base.get("us_per_delivery"):
            r["ratio"] = round(r["us_per_delivery"] / base["us_per_delivery"], 3)
    print_table(results, args)
    print(
        f"  load average (1 min) before/after: {load_before:.2f} / {os.getloadavg()[0]:.2f}"
        f" on {os.cpu_count()} CPUs"
    )

    main_name = args.servers.split(",")[0]
    ours = by_name.get(main_name, {})
    line: dict = {
        "bench": "live-fanout",
        "server": main_name,
        "viewers": args.viewers,
        "rate": args.rate,
        "seconds": args.seconds,
        "date": started.isoformat(timespec="seconds"),
    }
    line.update({k: ours.get(k) for k in KEYS})
    line["ratio"] = ours.get("ratio")
    for key in ("publish_p50_ms", "publish_p99_ms", "fanout_p50_ms", "fanout_p99_ms"):
        line[key] = ours.get(key)
    line["frame_bytes"] = ours.get("frame_bytes")
    line.update({f"baseline_{k}": base.get(k) for k in KEYS})
    for r in results:
        if r["name"] in (main_name, "baseline"):
            continue
        prefix = r["name"].replace("-", "_")
        line.update({f"{prefix}_{k}": r.get(k) for k in KEYS})
        line[f"{prefix}_ratio"] = r.get("ratio")
    for r in results:
        if r.get("error"):
            line.setdefault("errors", {})[r["name"]] = r["error"]
    line["loadavg"] = [load_before, os.getloadavg()[0]]  # other work on the machine
    line["nice"] = args.nice
    print(json.dumps(line))
    return 0 if ours and not ours.get("error") else 1


if __name__ == "__main__":
    sys.exit(main())
