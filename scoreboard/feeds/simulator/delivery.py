"""Delivering a match stream the way real providers do: late, twice, garbled, or not at all.

A `FaultyStream` takes messages in upstream order and releases them with the configured
faults; the HTTP feed (pull) and the pusher (push) each read their own stream.
"""

from __future__ import annotations

import json
import random
import threading
import time
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx

from ..adapters import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

GARBAGE = (
    "{not json at all",
    {"id": "garbage", "seq": "seven", "match": 12},
    {"status": "live"},
    [1, 2, 3],
    {"id": "x", "seq": 1, "ts": 1.0, "match": "m", "status": "exploded", "score": {}},
)


@dataclass(frozen=True)
class Faults:
    duplicates: float = 0.0
    reorder: float = 0.0
    malformed: float = 0.0
    silence: float = 0.0  # chance per message of going quiet for `silence_seconds`
    silence_seconds: float = 5.0


class FaultyStream:
    def __init__(self, faults: Faults, rng: random.Random) -> None:
        self.faults = faults
        self.rng = rng
        self.out: list[Any] = []
        self.held: Any | None = None  # a message waiting to be delivered out of order
        self.later: list[Any] = []  # duplicates to send again shortly
        self.silent_until = 0.0
        self.lock = threading.Lock()
        self.emitted = 0

    def put(self, message: dict[str, Any]) -> None:
        faults, rng = self.faults, self.rng
        with self.lock:
            if rng.random() < faults.malformed:
                self.out.append(rng.choice(GARBAGE))
            if rng.random() < faults.duplicates:
                self.later.append(message)
            if self.held is None and rng.random() < faults.reorder:
                self.held = message  # goes out after the next one
                return
            self.out.append(message)
            if self.held is not None:
                self.out.append(self.held)
                self.held = None
            if self.later and rng.random() < 0.5:
                self.out.append(self.later.pop(0))
            if rng.random() < faults.silence:
                self.silent_until = time.monotonic() + faults.silence_seconds

    def flush(self) -> None:
        """End of the matches: whatever was held back goes out now."""
        with self.lock:
            if self.held is not None:
                self.out.append(self.held)
                self.held = None
            self.out.extend(self.later)
            self.later.clear()
            self.silent_until = 0.0

    def take(self, limit: int) -> list[Any]:
        with self.lock:
            if time.monotonic() < self.silent_until:
                return []
            batch, self.out = self.out[:limit], self.out[limit:]
            self.emitted += len(batch)
            return batch


class PullFeed:
    """An HTTP JSON feed to poll: GET /feed.json?after=<cursor>, with ETag/Last-Modified."""

    def __init__(self, stream: FaultyStream, port: int) -> None:
        self.stream = stream
        self.log: list[Any] = []
        self.modified = formatdate(usegmt=True)
        self.max_after = 0
        feed = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlparse(self.path)
                if url.path != "/feed.json":
                    self.send_error(404)
                    return
                feed.pump()
                query = parse_qs(url.query)
                try:
                    after = int(query.get("after", ["0"])[0] or 0)
                    limit = min(int(query.get("limit", ["500"])[0]), 500)
                except ValueError:
                    self.send_error(400)
                    return
                feed.max_after = max(feed.max_after, after)
                etag = f'"{len(feed.log)}"'
                if after >= len(feed.log) and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                page = feed.log[after : after + limit]
                body = json.dumps({"cursor": after + len(page), "messages": page}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", feed.modified)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def pump(self) -> None:
        batch = self.stream.take(10_000)
        if batch:
            self.log.extend(batch)
            self.modified = formatdate(usegmt=True)

    @property
    def drained(self) -> bool:
        self.pump()
        return not self.stream.out and self.max_after >= len(self.log)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()


class Pusher:
    """Signed batches to the webhook; a failed push is kept and sent again."""

    def __init__(
        self, stream: FaultyStream, url: str, secret: str, batch_max: int, interval: float
    ) -> None:
        self.stream, self.url, self.secret = stream, url, secret
        self.batch_max, self.interval = batch_max, interval
        self.pending: list[Any] = []
        self.client = httpx.Client(timeout=10)
        self.stats = {"sent": 0, "batches": 0, "refused": 0, "errors": 0}

    def push_once(self) -> None:
        if not self.pending:
            self.pending = self.stream.take(self.batch_max)
        if not self.pending:
            return
        body = json.dumps({"messages": self.pending}).encode()
        timestamp = str(int(time.time()))
        try:
            response = self.client.post(
                self.url,
                content=body,
                headers={
                    "Content-Type": "application/json",
                    TIMESTAMP_HEADER: timestamp,
                    SIGNATURE_HEADER: sign(self.secret, timestamp, body),
                },
            )
        except httpx.HTTPError:
            self.stats["errors"] += 1
            return
        if response.status_code >= 500:
            self.stats["errors"] += 1
            return
        if response.status_code >= 400:
            self.stats["refused"] += 1
        self.stats["sent"] += len(self.pending)
        self.stats["batches"] += 1
        self.pending = []

    @property
    def drained(self) -> bool:
        return not self.pending and not self.stream.out
