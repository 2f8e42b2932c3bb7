"""The hub writes frame bytes straight to uvicorn's sockets (scoreboard/live/transport.py),
relying on private attributes of uvicorn's sans-I/O WebSocket protocol. These tests fail,
saying what to check, when the installed uvicorn is not the version that was checked."""

from __future__ import annotations

import inspect
from importlib.metadata import version

from scoreboard.live import transport


def test_the_installed_uvicorn_is_the_one_direct_writes_were_checked_against() -> None:
    installed = version("uvicorn")
    assert installed == transport.TESTED_UVICORN, (
        f"uvicorn {installed} is installed, but the hub's direct socket writes were checked "
        f"against {transport.TESTED_UVICORN}: check transport.RELIED_ON against uvicorn's "
        f"{transport.PROTOCOL_CLASS}, then set TESTED_UVICORN (until then the hub falls back "
        "to the ASGI send, which is correct but costs more per delivery)"
    )
    assert transport.DIRECT_WRITES


def test_uvicorns_protocol_still_has_what_the_hub_relies_on() -> None:
    from uvicorn.protocols.websockets import websockets_sansio_impl

    protocol = getattr(websockets_sansio_impl, transport.PROTOCOL_CLASS, None)
    assert protocol is not None, f"uvicorn no longer has {transport.PROTOCOL_CLASS}"
    source = inspect.getsource(protocol)
    missing = [name for name in transport.RELIED_ON if f"self.{name}" not in source]
    assert not missing, f"uvicorn's {transport.PROTOCOL_CLASS} no longer sets {missing}"
    assert "async def send(" in source  # the ASGI send the hub recognises by __self__
