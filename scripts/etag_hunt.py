"""`make test-etags`: hunt for stale 304s under concurrent writes (acceptance 3 of #22).

Four writer threads change the data for `--seconds` (scores through the services, some
rolled back; reference renames held open in their transaction for a while, as an admin
save is) while one client revalidates the ETag of every list, detail, standings and
reference endpoint of a real server (distributed mode: the 304 fast path is on).

Two oracles, both must stay at zero:
- a 304 is *stale* when the body the client holds differs from a fresh GET made right
  after it, while nothing committed in between: the changes feed's head (and the
  reference version, which the changes feed does not carry) read before the
  revalidation and after the fresh GET are equal. A write in that window makes the check
  inconclusive, and it is counted as such;
- one ETag served with two different bodies (a 304 for one of them would be stale).
Exit status 1 if either is above zero.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import sys
import threading
import time
from collections import Counter

import httpx
from api_world import prepare, server


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--writers", type=int, default=4)
    args = parser.parse_args()
    url, token = prepare("etags", scopes="read")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liveapp.settings")
    import logging

    import django

    django.setup()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise
    with server(url) as api:
        return hunt(api.url, token, args.seconds, args.writers)


# ---- writers ------------------------------------------------------------------------


class Writes:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: Counter[str] = Counter()

    def add(self, kind: str) -> None:
        with self.lock:
            self.counts[kind] += 1


def writer(number: int, deadline: float, writes: Writes) -> None:
    from django.db import connection, transaction

    from scoreboard import services
    from scoreboard.errors import DomainError
    from scoreboard.models import Competition, Event, Sport, Team

    rng = random.Random(number)
    edits = 0
    live = list(Event.objects.filter(status="live").values_list("id", flat=True))
    teams = list(Team.objects.values_list("id", flat=True))
    competitions = list(Competition.objects.values_list("id", flat=True))
    sports = list(Sport.objects.values_list("id", flat=True))
    try:
        while time.monotonic() < deadline:
            roll = rng.random()
            try:
                if roll < 0.12:  # a reference rename, held open like an admin save
                    model, ids = rng.choice(
                        [(Team, teams), (Competition, competitions), (Sport, sports)]
                    )
                    with transaction.atomic():
                        row = model.objects.get(pk=rng.choice(ids))
                        edits += 1  # a name no other row has
                        row.name = f"{row.name.split(' ·')[0]} ·{number}.{edits}"
                        row.save()
                        time.sleep(rng.uniform(0.05, 0.4))
                    writes.add("reference edits")
                elif roll < 0.2:  # a score that rolls back: its sequence is burnt
                    try:
                        with transaction.atomic():
                            services.record_score(event=rng.choice(live), side="home")
                            raise RuntimeError("roll back")
                    except RuntimeError:
                        writes.add("rolled back")
                else:
                    services.record_score(event=rng.choice(live), side=rng.choice(["home", "away"]))
                    writes.add("changes")
            except DomainError:
                writes.add("refused by the rules")
            time.sleep(rng.uniform(0.0, 0.03))  # a shared machine: leave the server some CPU
    finally:
        connection.close()


# ---- the client ---------------------------------------------------------------------


def digest(response: httpx.Response) -> str:
    return hashlib.blake2b(response.content, digest_size=12).hexdigest()


def endpoints() -> list[str]:
    from scoreboard.models import Competition, Event, Team

    football = Competition.objects.filter(sport__slug="football").order_by("id").first()
    live = list(Event.objects.filter(status="live").order_by("id").values_list("id", flat=True))
    team = Team.objects.filter(home_events__status="live").order_by("id").first()
    paths = [
        "/api/v1/sports",
        "/api/v1/competitions",
        "/api/v1/competitions?sport=football",
        "/api/v1/teams",
        f"/api/v1/teams?competition={football.pk}",
        "/api/v1/events",
        "/api/v1/events?status=live",
        f"/api/v1/events?team={team.pk}",
        f"/api/v1/competitions/{football.pk}/standings",
        "/api/v1/changes?after=0&limit=20",
    ]
    paths += [f"/api/v1/events/{pk}" for pk in live[:6]]
    return paths


class Feed:
    """The changes feed's head, followed with the client's own key."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.head = 0

    def read(self) -> int:
        while True:
            page = self.client.get("/api/v1/changes", params={"after": self.head, "limit": 1000})
            page.raise_for_status()
            body = page.json()
            self.head = body["last_seq"]
            if len(body["changes"]) < 1000:
                return self.head


def reference_version() -> int:
    from scoreboard.partners.selectors import versions

    return versions().reference


def hunt(base: str, token: str, seconds: float, writers: int) -> int:
    paths = endpoints()
    client = httpx.Client(base_url=base, headers={"Authorization": f"Api-Key {token}"}, timeout=30)
    feed = Feed(client)
    feed.read()
    held: dict[str, tuple[str, str]] = {}  # path -> (ETag, body digest)
    bodies: dict[str, set[str]] = {}  # ETag -> digests served under it
    stats: Counter[str] = Counter()
    stale: list[str] = []
    writes = Writes()
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=writer, args=(n, deadline, writes)) for n in range(writers)]
    for thread in threads:
        thread.start()

    def remember(path: str, response: httpx.Response) -> None:
        etag = response.headers.get("ETag")
        if etag is None:
            stats["200 untagged (changed while built)"] += 1
            held.pop(path, None)
            return
        held[path] = (etag, digest(response))
        bodies.setdefault(etag, set()).add(digest(response))

    try:
        while time.monotonic() < deadline:
            # Each path twice in a row: once with the ETag of the previous round (usually
            # a 200 by now), once with the one just received (a 304 if no write came).
            for path in (p for p in paths for _ in range(2)):
                if path not in held:
                    first = client.get(path)
                    first.raise_for_status()
                    remember(path, first)
                    continue
                etag, body = held[path]
                head, reference = feed.read(), reference_version()
                again = client.get(path, headers={"If-None-Match": etag})
                if again.status_code == 200:
                    stats["200"] += 1
                    remember(path, again)
                    continue
                assert again.status_code == 304, (path, again.status_code, again.text[:200])
                stats["304"] += 1
                fresh = client.get(path)
                fresh.raise_for_status()
                quiet = feed.read() == head and reference_version() == reference
                if digest(fresh) != body:
                    if quiet:
                        stale.append(f"{path} under {etag}")
                    else:
                        stats["304 checks inconclusive (a write in the window)"] += 1
                remember(path, fresh)
    finally:
        for thread in threads:
            thread.join(30)
    doubled = {etag: len(d) for etag, d in bodies.items() if len(d) > 1}
    print(f"etag-hunt: {seconds:.0f} s, {writers} writers, {len(paths)} endpoints:")
    for name, count in sorted(writes.counts.items()):
        print(f"  writes  {name:<48} {count:>7}")
    for name, count in sorted(stats.items()):
        print(f"  reads   {name:<48} {count:>7}")
    print(f"  distinct ETags served with a body                      {len(bodies):>7}")
    print(f"  changes feed head at the end                           {feed.read():>7}")
    print(f"  ETags served with two bodies                           {len(doubled):>7}")
    print(f"  stale 304s                                             {len(stale):>7}")
    for line in stale[:20]:
        print(f"    stale: {line}")
    return 1 if stale or doubled else 0


if __name__ == "__main__":
    sys.exit(main())
