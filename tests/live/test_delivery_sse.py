"""The SSE fallback endpoint (`/live/events/`) on a real uvicorn process: it resumes from
the cursor, streams changes as the socket does, and costs no database query while
nothing changes (heartbeats come from the hub's memory)."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable, Iterator

import httpx
import pytest
from django.db import connection

from scoreboard import services
from scoreboard.models import Change, Event
from tests.support.asgi_server import AsgiServer

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

HEARTBEAT = 0.5  # seconds, for this module's server
WAIT = 10.0  # seconds for one event to arrive


@pytest.fixture(scope="module")
def sse_server(asgi_server_factory: Callable[..., AsgiServer]) -> AsgiServer:
    return asgi_server_factory(env={"LIVE_HEARTBEAT_SECONDS": str(HEARTBEAT)})


class Stream:
    """An SSE client in a thread: each event's data goes to `events`."""

    def __init__(self, url: str) -> None:
        self.events: queue.Queue[str] = queue.Queue()
        self.status: queue.Queue[tuple[int, str]] = queue.Queue()
        self.client = httpx.Client(timeout=httpx.Timeout(5.0, read=None))
        self.thread = threading.Thread(target=self._read, args=(url,), daemon=True)
        self.thread.start()

    def _read(self, url: str) -> None:
        try:
            with self.client.stream("GET", url) as response:
                self.status.put((response.status_code, response.headers["content-type"]))
                data: list[str] = []
                for line in response.iter_lines():
                    if line.startswith("data: "):
                        data.append(line[6:])
                    elif line == "" and data:
                        self.events.put("\n".join(data))
                        data = []
        except httpx.HTTPError:
            pass

    def next(self, predicate: Callable[[str], bool] = lambda _: True) -> str:
        while True:
            event = self.events.get(timeout=WAIT)
            if predicate(event):
                return event

    def close(self) -> None:
        self.client.close()


@pytest.fixture
def open_stream() -> Iterator[Callable[[str], Stream]]:
    streams: list[Stream] = []

    def factory(url: str) -> Stream:
        stream = Stream(url)
        streams.append(stream)
        return stream

    yield factory
    for stream in streams:
        stream.close()


def other_backends_activity() -> list[tuple[int, object]]:
    """When each other PostgreSQL backend on this database last changed state."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, state_change FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid() ORDER BY pid"
        )
        return list(cursor.fetchall())


def test_it_resumes_streams_changes_and_queries_nothing_while_quiet(
    sse_server: AsgiServer, open_stream: Callable[[str], Stream], live_football_event: Event
) -> None:
    event = live_football_event
    services.record_score(event=event.pk, side="home", player="Saka")  # missed by the page
    missed = Change.objects.filter(event=event).latest("id").pk
    since = missed - 1
    stream = open_stream(f"{sse_server.url}/live/events/?topics=event.{event.pk}&since={since}")

    status, content_type = stream.status.get(timeout=WAIT)
    assert (status, content_type) == (200, "text/event-stream; charset=utf-8")
    replay = stream.next()
    assert f'id="event-header-{event.pk}"' in replay and 'data-version="3"' in replay
    assert json.loads(stream.next()) == {"type": "replayed", "seq": missed}

    # Quiet: heartbeats flow, and no backend of this database runs anything.
    before = other_backends_activity()
    for _ in range(3):
        assert json.loads(stream.next())["type"] == "heartbeat"
    assert other_backends_activity() == before

    services.record_score(event=event.pk, side="away", player="Palmer")
    pushed = stream.next(lambda data: not data.startswith("{"))
    assert f'id="event-header-{event.pk}"' in pushed and 'data-version="4"' in pushed


def test_it_refuses_bad_topics_with_a_json_400(sse_server: AsgiServer) -> None:
    response = httpx.get(f"{sse_server.url}/live/events/?topics=secret.1", timeout=10)
    assert response.status_code == 400
    assert "unknown topic" in response.json()["error"]


def test_a_resumed_competition_page_gets_its_live_table_too(
    sse_server: AsgiServer, open_stream: Callable[[str], Stream], live_football_event: Event
) -> None:
    event = live_football_event
    since = Change.objects.latest("id").pk
    services.record_score(event=event.pk, side="away", player="Palmer")  # missed

    topic = f"competition.{event.competition_id}"
    stream = open_stream(f"{sse_server.url}/live/events/?topics={topic}&since={since}")

    replay = stream.next()
    assert f'id="event-row-{event.pk}"' in replay
    table = replay[replay.index(f'id="standings-{event.competition_id}"') :]
    assert f'data-standings-seq="{since + 1}"' in table
    assert 'class="is-live"' in table and "As it stands" in table
