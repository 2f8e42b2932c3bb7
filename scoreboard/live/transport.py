"""The one place that knows the ASGI server's internals: writing frame bytes directly.

uvicorn's sans-I/O WebSocket protocol (`WebSocketsSansIOProtocol`, its default with the
`websockets` package installed) turns every ASGI `websocket.send` into a frame for that
one socket. The hub sends the same text to hundreds of sockets, so it frames it once
(`wire_of`) and writes the bytes straight to each open, writable socket's transport, as
`websockets.broadcast` does. That relies on private attributes of uvicorn's protocol
(`conn`, `transport`, `writable`, `close_sent`, `disconnected`), so:

- it is used only with the uvicorn version it was checked against (`TESTED_UVICORN`);
  with any other version, or any other server, the hub takes the public ASGI send;
- `tests/foundation/test_transport_guard.py` fails, saying what changed, when the
  installed uvicorn is not that version or lacks what is relied on.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from importlib.metadata import version
from typing import Any

from websockets.frames import Frame, Opcode
from websockets.protocol import State

logger = logging.getLogger(__name__)

TESTED_UVICORN = "0.54.0"
PROTOCOL_CLASS = "WebSocketsSansIOProtocol"
RELIED_ON = ("conn", "transport", "writable", "close_sent", "disconnected")

Send = Callable[[dict[str, Any]], Awaitable[None]]


def _uvicorn_version() -> str | None:
    try:
        return version("uvicorn")
    except Exception:
        return None


DIRECT_WRITES = _uvicorn_version() == TESTED_UVICORN
if not DIRECT_WRITES and _uvicorn_version() is not None:
    logger.warning(
        "uvicorn %s is not the version direct socket writes were checked against (%s): "
        "the hub uses the ASGI send",
        _uvicorn_version(),
        TESTED_UVICORN,
    )


def wire_of(frame: dict[str, Any]) -> bytes:
    """The WebSocket frame bytes of a text frame (server side: unmasked, no extensions),
    computed once per frame dict and kept in it (every socket gets the same bytes)."""
    wire = frame.get("wire")
    if wire is None:
        wire = Frame(Opcode.TEXT, frame["text"].encode()).serialize(mask=False, extensions=[])
        frame["wire"] = wire
    return wire


def direct_protocol(send: Send) -> Any:
    """uvicorn's sans-I/O WebSocket protocol behind an ASGI send, or None (another
    server or version, or a wrapped send): the hub may then write frame bytes to it."""
    if not DIRECT_WRITES:
        return None
    proto = getattr(send, "__self__", None)
    if proto is None or type(proto).__name__ != PROTOCOL_CLASS:
        return None
    return proto if all(hasattr(proto, name) for name in RELIED_ON) else None


def write_direct(proto: Any, frame: dict[str, Any]) -> bool:
    """Write the frame's bytes if the socket is open and writable now; False: use send."""
    if (
        proto.writable.is_set()
        and not proto.close_sent
        and not proto.disconnected
        and proto.conn.state is State.OPEN
        and not proto.conn.extensions
    ):
        proto.transport.write(wire_of(frame))
        return True
    return False
