"""Play realistic matches and feed them to the app, both ways, with upstream faults.

    python manage.py simulate_feed                       # push, real time, forever
    python manage.py simulate_feed --speed 60 --channels push,pull --shared
    python manage.py simulate_feed --speed 3000 --short --duplicates 0.2 --reorder 0.2 \\
        --malformed 0.05 --record /tmp/truth.json        # what the tests run

Each channel is a provider: `push` signs batches to the webhook (provider "sim"),
`pull` serves an HTTP feed the beat polls (provider "simpull"). With `--shared` both
cover the same matches, "sim" first and "simpull" filling in when it is silent.
The simulator keeps its own record of every match's true final state (`--record`).
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from scoreboard.feeds.models import Provider
from scoreboard.feeds.simulator.delivery import Faults, FaultyStream, PullFeed, Pusher
from scoreboard.feeds.simulator.engine import SimMatch
from scoreboard.feeds.simulator.setup import create_match_event, ensure_provider

SPORTS = ("football", "basketball", "ice_hockey", "tennis")


class Command(BaseCommand):
    help = "Simulate live matches and deliver them by push (webhook) and pull (HTTP feed)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--sports", default=",".join(SPORTS))
        parser.add_argument("--matches", type=int, default=1, help="matches per sport")
        parser.add_argument("--speed", type=float, default=1.0, help="game seconds per second")
        parser.add_argument(
            "--short", action="store_true", help="quick format: fewer baskets, shorter tennis"
        )
        parser.add_argument("--channels", default="push", help="push, pull or push,pull")
        parser.add_argument("--shared", action="store_true", help="both channels, same matches")
        parser.add_argument("--push-url", default="http://127.0.0.1:8000/feeds/sim/push")
        parser.add_argument("--push-provider", default="sim")
        parser.add_argument("--pull-provider", default="simpull")
        parser.add_argument("--port", type=int, default=8765, help="port of the pull feed")
        parser.add_argument("--batch-max", type=int, default=100)
        parser.add_argument("--push-interval", type=float, default=0.2)
        parser.add_argument("--duplicates", type=float, default=0.0)
        parser.add_argument("--reorder", type=float, default=0.0)
        parser.add_argument("--malformed", type=float, default=0.0)
        parser.add_argument("--silence", type=float, default=0.0)
        parser.add_argument("--silence-seconds", type=float, default=5.0)
        parser.add_argument("--seed", type=int, default=None)
        parser.add_argument("--record", default="", help="write the true final states here")
        parser.add_argument("--loop", action="store_true", help="start new matches when done")
        parser.add_argument("--linger", type=float, default=30.0, help="max wait to drain")

    def handle(self, *args: Any, **opts: Any) -> None:
        channels = [c for c in opts["channels"].split(",") if c]
        if set(channels) - {"push", "pull"} or not channels:
            raise CommandError("--channels takes push, pull or push,pull")
        rng = random.Random(opts["seed"])
        faults = Faults(
            duplicates=opts["duplicates"],
            reorder=opts["reorder"],
            malformed=opts["malformed"],
            silence=opts["silence"],
            silence_seconds=opts["silence_seconds"],
        )
        names = {"push": opts["push_provider"], "pull": opts["pull_provider"]}
        streams = {c: FaultyStream(faults, random.Random(rng.random())) for c in channels}
        feed = pusher = None
        if "push" in channels:
            secret = settings.FEED_PUSH_SECRETS.get(names["push"])
            if not secret:
                raise CommandError(f"no secret for {names['push']!r} in FEED_PUSH_SECRETS")
            ensure_provider(names["push"], Provider.Kind.PUSH)
            pusher = Pusher(
                streams["push"], opts["push_url"], secret, opts["batch_max"], opts["push_interval"]
            )
        if "pull" in channels:
            feed = PullFeed(streams["pull"], opts["port"])
            ensure_provider(
                names["pull"],
                Provider.Kind.PULL,
                pull_url=f"http://127.0.0.1:{opts['port']}/feed.json",
            )
            feed.start()
        stop = threading.Event()
        if pusher:
            threading.Thread(target=self._push_loop, args=(pusher, stop), daemon=True).start()
        try:
            while True:
                record = self._play_round(opts, channels, names, streams, rng)
                if not opts["loop"]:
                    break
            for stream in streams.values():
                stream.flush()
            if opts["record"]:
                # Written when the matches end; delivery may still be draining.
                with open(opts["record"] + ".tmp", "w") as handle:
                    json.dump(record, handle)
                os.replace(opts["record"] + ".tmp", opts["record"])
            deadline = time.monotonic() + opts["linger"]
            while time.monotonic() < deadline:
                if (not pusher or pusher.drained) and (not feed or feed.drained):
                    break
                time.sleep(0.1)
            sent = pusher.stats if pusher else {}
            self.stdout.write(f"simulate_feed: done; push {sent}; streams drained")
        finally:
            stop.set()
            if feed:
                feed.stop()

    @staticmethod
    def _push_loop(pusher: Pusher, stop: threading.Event) -> None:
        while not stop.is_set():
            pusher.push_once()
            if not pusher.pending:
                stop.wait(pusher.interval)

    def _play_round(
        self,
        opts: dict[str, Any],
        channels: list[str],
        names: dict[str, str],
        streams: dict[str, FaultyStream],
        rng: random.Random,
    ) -> dict[str, Any]:
        """Create the events, then play all matches side by side on one game clock."""
        groups = [channels] if opts["shared"] else [[c] for c in channels]
        players: list[tuple[SimMatch, list[str], Any]] = []
        record: dict[str, Any] = {}
        stamp = int(time.time() * 1000)
        for group in groups:
            for sport in opts["sports"].split(","):
                for n in range(opts["matches"]):
                    match_id = f"sim-{stamp}-{'-'.join(group)}-{sport}-{n}"
                    providers = [names[c] for c in group]
                    priorities = {names["push"]: 200, names["pull"]: 100} if len(group) == 2 else {}
                    event = create_match_event(
                        sport_kind=sport,
                        providers=providers,
                        match_id=match_id,
                        priorities=priorities,
                    )
                    match = SimMatch(
                        match_id=match_id,
                        sport=sport,
                        rng=random.Random(rng.random()),
                        short=opts["short"],
                    )
                    players.append((match, group, match.play()))
                    record[match_id] = {"event_id": event.pk, "sport": sport, "channels": group}
        self.stdout.write(f"simulate_feed: playing {len(players)} matches at x{opts['speed']}")
        start = time.monotonic()
        pending: dict[int, tuple[float, dict]] = {}
        live = set(range(len(players)))
        while live:
            for index in list(live):
                if index not in pending:
                    try:
                        pending[index] = next(players[index][2])
                    except StopIteration:
                        live.discard(index)
            if not pending:
                break
            index = min(pending, key=lambda i: pending[i][0])
            game_time, _ = pending[index]
            wait = start + game_time / opts["speed"] - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            _, message = pending.pop(index)
            message["ts"] = time.time()  # upstream time is when it is sent
            for channel in players[index][1]:
                streams[channel].put(message)
        for match, _, _ in players:
            record[match.match_id]["truth"] = match.truth()
        return record
