"""Provider adapters: how raw messages arrive (pushed or pulled) and how they parse.

Every adapter turns a provider's raw message into a `FeedMessage` (pure parsing, no
database writes). `JsonFeedAdapter` reads the Scoreline JSON snapshot format that the
simulator speaks; a third-party provider gets its own subclass overriding `parse` (and
`verify` or `fetch` if its transport differs).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any

import httpx
from django.conf import settings

from .messages import FeedMessage, parse_message

SIGNATURE_HEADER = "X-Feed-Signature"
TIMESTAMP_HEADER = "X-Feed-Timestamp"
PULL_PAGE = 25  # messages per poll request: one short ingest transaction each


class WebhookRefused(Exception):
    """A push the webhook refuses: `status` and `code` go back to the sender as JSON."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class FetchResult:
    messages: list[Any]
    cursor: str
    etag: str
    last_modified: str
    not_modified: bool = False


def push_secret(provider: str) -> str | None:
    return settings.FEED_PUSH_SECRETS.get(provider)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over "<timestamp>." + body, hex, prefixed like GitHub's."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class JsonFeedAdapter:
    """The Scoreline JSON snapshot format, pushed as signed batches or polled."""

    def __init__(self, name: str) -> None:
        self.name = name

    def parse(self, raw: Any) -> FeedMessage:
        return parse_message(raw)

    # Push -------------------------------------------------------------------------------
    def verify(self, *, body: bytes, timestamp: str | None, signature: str | None) -> None:
        """Check the signature and the replay window; raise WebhookRefused if wrong."""
        secret = push_secret(self.name)
        if not secret:
            raise WebhookRefused(404, "unknown_provider", f"no push provider {self.name!r}")
        if not timestamp or not signature:
            raise WebhookRefused(
                401,
                "missing_signature",
                f"send {TIMESTAMP_HEADER} and {SIGNATURE_HEADER} headers",
            )
        try:
            sent = int(timestamp)
        except ValueError:
            raise WebhookRefused(400, "bad_timestamp", "timestamp must be Unix seconds") from None
        window = settings.FEED_PUSH_REPLAY_WINDOW_SECONDS
        if abs(time.time() - sent) > window:
            raise WebhookRefused(
                401, "stale_timestamp", f"timestamp is more than {window}s from our clock"
            )
        # Constant-time comparison: no timing oracle on the signature.
        if not hmac.compare_digest(sign(secret, timestamp, body), signature):
            raise WebhookRefused(401, "bad_signature", "signature does not match the body")

    def batch(self, body: bytes) -> list[Any]:
        limit = settings.FEED_PUSH_MAX_DEPTH
        too_deep = WebhookRefused(400, "too_deep", f"JSON nested deeper than {limit} levels")
        try:
            data = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise WebhookRefused(400, "bad_json", f"body is not valid JSON: {exc}") from None
        except RecursionError:  # the decoder's own limit, far above ours
            raise too_deep from None
        if nesting_exceeds(data, limit):
            raise too_deep
        if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
            raise WebhookRefused(400, "bad_batch", 'body must be {"messages": [...]}')
        return data["messages"]

    # Pull -------------------------------------------------------------------------------
    def fetch(
        self, *, url: str, cursor: str, etag: str, last_modified: str, client: httpx.Client
    ) -> FetchResult:
        """One conditional GET of the feed after `cursor`."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        params = {"after": cursor, "limit": PULL_PAGE} if cursor else {"limit": PULL_PAGE}
        response = client.get(url, params=params, headers=headers)
        if response.status_code == 304:
            return FetchResult([], cursor, etag, last_modified, not_modified=True)
        response.raise_for_status()
        data = response.json()
        return FetchResult(
            messages=list(data.get("messages", [])),
            cursor=str(data.get("cursor", cursor)),
            etag=response.headers.get("ETag", ""),
            last_modified=response.headers.get("Last-Modified", ""),
        )


def nesting_exceeds(data: Any, limit: int) -> bool:
    """Whether decoded JSON nests deeper than `limit` (iterative: no recursion to blow)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            value = value.values()
        elif not isinstance(value, list):
            continue
        if depth > limit:
            return True
        stack.extend((item, depth + 1) for item in value if isinstance(item, dict | list))
    return False


def adapter_for_name(name: str) -> JsonFeedAdapter:
    # One format today; a registry of adapter classes by provider goes here when a
    # provider with its own format is added.
    return JsonFeedAdapter(name)
