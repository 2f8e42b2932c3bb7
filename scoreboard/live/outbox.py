"""The outbox publisher: one long-lived process publishing ingestion's batches.

A worker applying a feed batch commits dozens of changes at once. Rendering each
event's fragments in the worker would make rendering the limit on ingestion (~5 ms per
render against well under 1 ms per applied message). So after commit the worker only
*wakes* this process (one Redis PUBLISH of the batch's change ids on `WAKE_CHANNEL`),
and this process publishes them through `publisher.publish_pending`: per event one
render for every change that arrived meanwhile. Rendering is thus bounded by events
changed per wake-up, not by messages; under a flood a wake-up covers more changes and
each message says which versions it supersedes (`covers_from`). A round starts as soon
as the previous one ends, with every wake-up that arrived meanwhile: there is no pause,
because a round is cheap (a detail is rendered only for events somebody watches,
interest.py) and a pause is latency every change pays (docs/ARCHITECTURE.md).

Nothing is lost if a wake-up is: the change log is the outbox. When idle the loop
publishes what has waited longer than `IDLE_RELAY_AGE` (the relay's job, faster), and
the Celery beat relay still runs. Run exactly one (`manage.py publish_live`, Procfile);
a second would publish the same messages twice, which is safe (hubs and browsers drop
versions they already have) but wasteful.
"""

from __future__ import annotations

import json
import logging
import threading

import redis
from django.db import DatabaseError, close_old_connections

from scoreboard.live import metrics
from scoreboard.live.bus import redis_client, wake_channel
from scoreboard.live.publisher import publish_pending
from scoreboard.live.relay import relay_pending

logger = logging.getLogger(__name__)

IDLE_RELAY_AGE = 0.5  # seconds a change may wait unpublished before the idle pass takes it
POLL_SECONDS = 0.25
MAX_IDS = 5000  # change ids taken per wake-up; the rest wait for the next round


def run(stop: threading.Event) -> None:
    """Publish woken batches until `stop` is set; survives Redis and database outages."""
    while not stop.is_set():
        pubsub = redis_client().pubsub(ignore_subscribe_messages=True)
        try:
            pubsub.subscribe(wake_channel())
            logger.info("outbox publisher listening on %s", wake_channel())
            while not stop.is_set():
                committed = _drain(pubsub)
                close_old_connections()
                if committed:
                    metrics.OUTBOX_WAKEUPS.inc()
                    publish_pending(sorted(committed), committed_at=committed)
                else:
                    relay_pending(min_age_seconds=IDLE_RELAY_AGE, relay="outbox")
        except (redis.RedisError, DatabaseError) as exc:
            logger.warning("outbox publisher: %s; retrying in 1 s", exc)
            stop.wait(1.0)
        finally:
            pubsub.close()


def _drain(pubsub: redis.client.PubSub) -> dict[int, float | None]:
    """Wait for one wake-up, then take every other one already queued (coalescing).
    Returns change id -> when its transaction committed."""
    committed: dict[int, float | None] = {}
    message = pubsub.get_message(timeout=POLL_SECONDS)
    while message is not None and len(committed) < MAX_IDS:
        if message.get("type") == "message":
            woken = json.loads(message["data"])
            committed.update(dict.fromkeys(woken["ids"], woken["committed"]))
        message = pubsub.get_message(timeout=0)
    return committed
