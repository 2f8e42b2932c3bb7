"""`make bench-api`: partner API requests/s and p99 at concurrency 32, with and without
If-None-Match, next to a bare Django view serving the same JSON bytes from memory.

Server: one uvicorn process (separate). Load: `wrk` (separate process, one thread).
Cost per request = server CPU seconds / requests; ratio = 304 cost / baseline cost, the
baseline being the plain (sync) bare view; the async bare view is reported beside it.
Prints a table, then ONE JSON line (docs/PERFORMANCE.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from liveapp.database import ensure_database

REPO = Path(__file__).resolve().parents[2]
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def seed(database_url: str, redis_url: str) -> tuple[str, int]:
    """Demo world in the bench database and a key with a limit the run never reaches."""
    ensure_database(database_url)
    os.environ.update(DATABASE_URL=database_url, REDIS_URL=redis_url, DEBUG="1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "liveapp.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from scoreboard import services
    from scoreboard.models import Change, Competition, Sport, Team
    from scoreboard.partners import services as partner_services
    from scoreboard.partners.models import Partner

    call_command("migrate", verbosity=0)
    sport, _ = Sport.objects.get_or_create(
        slug="football", defaults={"name": "Football", "kind": "football"}
    )
    comp, _ = Competition.objects.get_or_create(
        slug="bench-league", defaults={"sport": sport, "name": "Bench League"}
    )
    if not comp.events.exists():
        teams = [
            Team.objects.get_or_create(sport=sport, name=f"Bench Team {i}")[0] for i in range(20)
        ]
        start = timezone.now()
        for i in range(50):
            event = services.create_event(
                competition=comp,
                home=teams[i % 20],
                away=teams[(i + 7) % 20],
                kickoff=start + dt.timedelta(minutes=i),
            )
            if i < 10:
                event = services.change_status(event=event, status="live")
                services.record_score(event=event, side="home", player="Bench")
    partner, _ = Partner.objects.get_or_create(name="Bench partner")
    token = partner_services.create_api_key(
        partner=partner, name="bench", scopes=["read"], rate="100000000/min"
    ).token
    latest = Change.objects.order_by("-id").values_list("id", flat=True).first()
    return token, latest


def get(url: str, headers: dict[str, str]) -> tuple[int, bytes, Any]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read(), response.headers
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), exc.headers


def wrk(url: str, headers: dict[str, str], seconds: int, connections: int) -> dict:
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s",
           "-s", str(Path(__file__).with_name("report.lua"))]  # fmt: skip
    for name, value in headers.items():
        cmd += ["-H", f"{name}: {value}"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    figures = json.loads(out.strip().splitlines()[-1])
    figures["client_cpu_s"] = (after.ru_utime - before.ru_utime) + (
        after.ru_stime - before.ru_stime
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--port", type=int, default=8531)
    args = parser.parse_args()
    database_url = os.environ.get(
        "BENCH_API_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/scoreline_h5"
    )
    redis_url = os.environ.get("BENCH_API_REDIS_URL", "redis://127.0.0.1:6379/5")
    token, latest = seed(database_url, redis_url)
    base = f"http://127.0.0.1:{args.port}"
    auth = {"Authorization": f"Api-Key {token}"}
    workdir = Path(tempfile.mkdtemp(prefix="scoreline-bench-api-"))
    baseline_file = workdir / "events.json"
    baseline_file.write_bytes(b"{}")
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.api.settings", DATABASE_URL=database_url,
        REDIS_URL=redis_url, DEBUG="0", SECRET_KEY="bench-only-secret-key-not-for-production",
        ALLOWED_HOSTS="127.0.0.1", SECURE_SSL_REDIRECT="0", LOG_LEVEL="WARNING",
        BENCH_BASELINE_FILE=str(baseline_file),
    )  # fmt: skip
    events_url = f"{base}/api/v1/events?page_size=50"
    changes_url = f"{base}/api/v1/changes?after={max(0, latest - 50)}&limit=50"
    server = None
    try:
        # Fetch the real body first (a short-lived server), then serve it from memory.
        for phase in ("probe", "bench"):
            server = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "liveapp.asgi:application", "--host",
                 "127.0.0.1", "--port", str(args.port), "--no-access-log", "--lifespan", "off",
                 "--log-level", "warning"],
                cwd=REPO, env=env,
            )  # fmt: skip
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"{base}/healthz", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
            if phase == "probe":
                status, body, _ = get(events_url, auth)
                assert status == 200, (status, body[:200])
                baseline_file.write_bytes(body)
                server.terminate()
                server.wait(10)
        status, body, headers = get(events_url, auth)
        events_etag = headers["ETag"]
        status, body, headers = get(changes_url, auth)
        changes_etag = headers["ETag"]
        assert get(events_url, {**auth, "If-None-Match": events_etag})[0] == 304
        assert get(changes_url, {**auth, "If-None-Match": changes_etag})[0] == 304
        scenarios = [
            ("baseline bare view", f"{base}/bench/baseline", {}),
            ("baseline async view", f"{base}/bench/baseline-async", {}),
            ("events 200", events_url, auth),
            ("events 304", events_url, {**auth, "If-None-Match": events_etag}),
            ("changes 200", changes_url, auth),
            ("changes 304", changes_url, {**auth, "If-None-Match": changes_etag}),
        ]
        # Warm-up: both baselines, and the 304 paths (the first revalidations of a key go
        # down the full path and fill the fast path's caches).
        for _name, url, hdrs in scenarios:
            wrk(url, hdrs, 1, args.connections)
        results = {}
        for name, url, hdrs in scenarios:
            cpu0 = cpu_seconds(server.pid)
            figures = wrk(url, hdrs, args.seconds, args.connections)
            figures["server_cpu_s"] = cpu_seconds(server.pid) - cpu0
            seconds = figures["duration_us"] / 1e6
            figures["per_s"] = figures["requests"] / seconds
            figures["us_per_request"] = figures["server_cpu_s"] / max(1, figures["requests"]) * 1e6
            figures["server_cpu_pct"] = 100 * figures["server_cpu_s"] / seconds
            figures["client_cpu_pct"] = 100 * figures["client_cpu_s"] / seconds
            results[name] = figures
    finally:
        if server is not None and server.poll() is None:
            server.terminate()
            server.wait(10)

    base_fig = results["baseline bare view"]
    async_fig = results["baseline async view"]
    print(f"API benchmark, concurrency {args.connections}, {args.seconds}s each, "
          f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(f"{'scenario':<20} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'srv µs/req':>10} "
          f"{'vs base':>7} {'srv cpu':>7} {'cli cpu':>7} {'errors':>6}")  # fmt: skip
    for name, f in results.items():
        cost = f["us_per_request"]
        print(
            f"{name:<20} {f['per_s']:>8.0f} {f['p50_us'] / 1000:>7.1f} "
            f"{f['p99_us'] / 1000:>7.1f} {cost:>10.0f} {cost / base_fig['us_per_request']:>7.2f} "
            f"{f['server_cpu_pct']:>6.0f}% {f['client_cpu_pct']:>6.0f}% {f['errors']:>6}"
        )
    worst = max(("events 304", "changes 304"), key=lambda n: results[n]["us_per_request"])
    ours = results[worst]
    line = {
        "bench": "api",
        "connections": args.connections,
        "seconds": args.seconds,
        "scenario": worst,
        "expected": ours["requests"],
        "delivered": ours["requests"] - ours["errors"],
        "lost": ours["errors"],
        "p50_ms": ours["p50_us"] / 1000,
        "p95_ms": ours["p95_us"] / 1000,
        "p99_ms": ours["p99_us"] / 1000,
        "max_ms": ours["max_us"] / 1000,
        "per_s": round(ours["per_s"], 1),
        "server_cpu_pct": round(ours["server_cpu_pct"], 1),
        "client_cpu_pct": round(ours["client_cpu_pct"], 1),
        "baseline_p50_ms": base_fig["p50_us"] / 1000,
        "baseline_p95_ms": base_fig["p95_us"] / 1000,
        "baseline_p99_ms": base_fig["p99_us"] / 1000,
        "baseline_max_ms": base_fig["max_us"] / 1000,
        "baseline_per_s": round(base_fig["per_s"], 1),
        "baseline_us_per_request": round(base_fig["us_per_request"], 1),
        "baseline_async_per_s": round(async_fig["per_s"], 1),
        "baseline_async_p99_ms": async_fig["p99_us"] / 1000,
        "baseline_async_us_per_request": round(async_fig["us_per_request"], 1),
        "us_per_request": round(ours["us_per_request"], 1),
        "events_200_per_s": round(results["events 200"]["per_s"], 1),
        "events_200_p99_ms": results["events 200"]["p99_us"] / 1000,
        "events_304_per_s": round(results["events 304"]["per_s"], 1),
        "events_304_p99_ms": results["events 304"]["p99_us"] / 1000,
        "changes_200_per_s": round(results["changes 200"]["per_s"], 1),
        "changes_200_p99_ms": results["changes 200"]["p99_us"] / 1000,
        "changes_304_per_s": round(results["changes 304"]["per_s"], 1),
        "changes_304_p99_ms": results["changes 304"]["p99_us"] / 1000,
        "ratio": round(ours["us_per_request"] / base_fig["us_per_request"], 2),
        "events_304_ratio": round(
            results["events 304"]["us_per_request"] / base_fig["us_per_request"], 2
        ),
        "changes_304_ratio": round(
            results["changes 304"]["us_per_request"] / base_fig["us_per_request"], 2
        ),
        "ratio_vs_async_baseline": round(ours["us_per_request"] / async_fig["us_per_request"], 2),
        "ratio_throughput": round(base_fig["per_s"] / ours["per_s"], 2),
        "load_avg_1m": round(os.getloadavg()[0], 1),
    }
    print(json.dumps(line))


if __name__ == "__main__":
    main()
