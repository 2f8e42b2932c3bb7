"""Which address a request comes from: the X-Forwarded-For policy.

X-Forwarded-For is believed only from the proxies listed in TRUSTED_PROXIES (addresses
or networks; none by default). From a trusted proxy, the client is the right-most
address of the header that is not itself a trusted proxy: the left part of the header
is whatever the client sent and can be forged. From anyone else the header is ignored
and the client is the peer address of the connection.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _trusted(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in proxies)


def _is_trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _trusted(tuple(settings.TRUSTED_PROXIES)))


def client_ip(peer: str, forwarded_for: str | None) -> str:
    """The client address, from the connection's peer and its X-Forwarded-For header."""
    if not forwarded_for or not _is_trusted(peer):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return peer  # a garbled header: believe the connection, not the header
        if not _is_trusted(hop):
            return hop
    return hops[0] if hops else peer


def ip_of_request(request: HttpRequest) -> str:
    return client_ip(
        request.META.get("REMOTE_ADDR") or "", request.META.get("HTTP_X_FORWARDED_FOR")
    )


def ip_of_scope(scope: dict[str, Any]) -> str:
    """The same for an ASGI scope (WebSocket and the Channels HTTP routes)."""
    peer = (scope.get("client") or ("", 0))[0] or ""
    forwarded = None
    for name, value in scope.get("headers", ()):
        if name.lower() == b"x-forwarded-for":
            forwarded = value.decode("latin-1")
    return client_ip(peer, forwarded)
