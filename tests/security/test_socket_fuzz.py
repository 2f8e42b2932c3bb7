"""Acceptance 3 (sockets): generated query strings and client messages against the real
live consumer, through the project's ASGI application (origin check, per-IP limit,
router) as a server runs it. Every one is answered: accepted, or closed with one of the
consumer's 4xxx codes, never an unhandled exception."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from liveapp.asgi import application
from scoreboard.live.consumers import (
    CLOSE_BAD_MESSAGE,
    CLOSE_RATE_LIMITED,
    BadRequest,
    parse_query,
)

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLES = 5_000  # per test: 5,000 query strings and 5,000 client messages in all
ORIGIN = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same inputs every run
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

_words = st.sampled_from(["topics", "since", "live", "event:1", "competition:2", "day:2026-12-03"])
query_strings = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.lists(
        st.tuples(_words, st.one_of(_words, st.text(max_size=30), st.integers().map(str))),
        max_size=8,
    ).map(lambda pairs: "&".join(f"{k}={v}" for k, v in pairs).encode("utf-8", "surrogatepass")),
)
messages = st.one_of(
    st.text(min_size=1, max_size=600),
    st.binary(min_size=1, max_size=600),
    st.just('{"type": "ping"}'),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
        max_leaves=20,
    ).map(lambda value: __import__("json").dumps(value)),
)


async def open_socket(query: bytes) -> tuple[WebsocketCommunicator, bool, Any]:
    communicator = WebsocketCommunicator(application, "/ws/live/", headers=ORIGIN)
    communicator.scope["query_string"] = query
    communicator.scope["client"] = ("203.0.113.7", 50000)
    connected, code = await communicator.connect(timeout=10)
    return communicator, connected, code


async def closed_with(communicator: WebsocketCommunicator) -> int | None:
    """The close code the consumer sent, skipping any data frame before it."""
    while True:
        output = await communicator.receive_output(timeout=10)
        if output["type"] == "websocket.close":
            return output.get("code")


def test_generated_query_strings_are_accepted_or_refused_with_a_close_code() -> None:
    seen = {"valid": 0, "invalid": 0}

    @FUZZ
    @given(query=query_strings)
    @example(query=b"topics=live")
    @example(query=b"topics=live,event:1&since=3")
    def run(query: bytes) -> None:
        async def scenario() -> None:
            communicator, connected, code = await open_socket(query)
            assert connected, code
            # Refused, the socket is closed with 4400 already; accepted, this message
            # closes it with 4400: either way the consumer answered, it did not crash.
            await communicator.send_to(text_data="not a ping")
            assert await closed_with(communicator) == CLOSE_BAD_MESSAGE
            await communicator.disconnect()

        async_to_sync(scenario)()
        try:  # only to show both kinds were generated
            parse_query(query)
            seen["valid"] += 1
        except BadRequest:
            seen["invalid"] += 1

    run()
    assert sum(seen.values()) >= EXAMPLES
    assert seen["valid"] and seen["invalid"]


def test_generated_client_messages_are_refused_or_ignored_never_crash() -> None:
    seen = {"ping": 0, "refused": 0}

    @FUZZ
    @given(message=messages)
    def run(message: str | bytes) -> None:
        async def scenario() -> None:
            communicator, connected, _ = await open_socket(b"topics=live")
            assert connected
            if isinstance(message, bytes):
                await communicator.send_to(bytes_data=message)
            else:
                await communicator.send_to(text_data=message)
            if message == '{"type": "ping"}':
                # Accepted in silence: the socket stays open, as the next message shows.
                await communicator.send_to(text_data="not a ping")
                seen["ping"] += 1
            else:
                seen["refused"] += 1
            assert await closed_with(communicator) in (CLOSE_BAD_MESSAGE, CLOSE_RATE_LIMITED)
            await communicator.disconnect()

        async_to_sync(scenario)()

    run()
    assert sum(seen.values()) >= EXAMPLES
    assert seen["ping"] and seen["refused"]
