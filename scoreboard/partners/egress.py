"""Outbound requests to partner-chosen URLs (webhooks), safe from SSRF.

A partner names the URL; without care the worker would POST to whatever it points at:
the cloud metadata service, Redis on loopback, the private network. So:

- only addresses on the public internet are allowed: loopback, private (RFC 1918,
  unique local), link-local (169.254/16, the metadata service; fe80::/10), shared
  (100.64/10), unspecified (0.0.0.0, ::), multicast and reserved ranges are refused,
  and an IPv4 address wrapped in IPv6 (::ffff:127.0.0.1, 6to4, Teredo) is judged as
  the IPv4 address it carries;
- a host name is resolved once, *every* address it resolves to must pass, and the
  connection goes to that vetted address (the Host header and TLS SNI still name the
  host, so the certificate is checked against it): DNS cannot answer one address to
  the check and another to the connection (rebinding);
- it is checked when the URL is saved (a clear 400) and again at every send;
- failures are reported in categories, never with the transport's own message: a
  partner cannot tell an open port from a closed one by reading its deliveries.

WEBHOOK_ALLOW_LOOPBACK (development and tests) lets loopback receivers through, and
plain HTTP to them; it is off by default.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# What a failed delivery records: the category, never the exception's text.
REFUSED = "refused: the URL's address is not allowed (private, loopback or reserved)"
UNRESOLVED = "refused: the URL's host name does not resolve"
NO_RESPONSE = "failed: no HTTP response (connection, TLS or timeout)"


class EgressRefused(Exception):
    """The URL may not be contacted; `str(exc)` is safe to show the partner."""


@dataclass(frozen=True)
class Target:
    url: str
    host: str  # as written in the URL (Host header, SNI)
    address: IPAddress  # the vetted address to connect to


def carried_ipv4(ip: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 one wraps (mapped, 6to4, Teredo), else itself."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip.sixtofour is not None:
            return ip.sixtofour
        if ip.teredo is not None:
            return ip.teredo[1]
    return ip


def allowed(ip: IPAddress) -> bool:
    """Whether a webhook may connect to `ip`."""
    ip = carried_ipv4(ip)
    if ip.is_loopback:
        return settings.WEBHOOK_ALLOW_LOOPBACK
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified)


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address `host` stands for (a literal address is itself)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise EgressRefused(UNRESOLVED) from None
    # Scope ids ("fe80::1%eth0") are dropped: the address alone is judged.
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


def target(url: str) -> Target:
    """Check `url` and pick the address to connect to; EgressRefused if it may not be."""
    parts = urlsplit(url)
    host = parts.hostname
    if parts.scheme not in ("http", "https") or not host:
        raise EgressRefused("the URL must be an absolute http(s) URL")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise EgressRefused("the URL's port is not valid") from None
    if parts.scheme == "http" and not _names_loopback(host):
        raise EgressRefused("webhook URLs must use HTTPS (plain HTTP only to loopback)")
    addresses = resolve(host, port)
    if not addresses or not all(allowed(ip) for ip in addresses):
        raise EgressRefused(REFUSED)
    if parts.scheme == "http" and not all(carried_ipv4(ip).is_loopback for ip in addresses):
        raise EgressRefused("webhook URLs must use HTTPS (plain HTTP only to loopback)")
    return Target(url=url, host=host, address=addresses[0])


def check_url(url: str) -> None:
    """The check when a URL is saved: as at send, except that a name that does not
    resolve yet is let through (the partner's DNS may come later; sends re-check)."""
    try:
        target(url)
    except EgressRefused as exc:
        if str(exc) != UNRESOLVED:
            raise


def _names_loopback(host: str) -> bool:
    try:
        return carried_ipv4(ipaddress.ip_address(host)).is_loopback
    except ValueError:
        return host == "localhost"


def post(
    url: str, *, content: bytes, headers: dict[str, str], timeout: float
) -> tuple[int | None, str]:
    """POST to `url` through its vetted address: (status code, "") or (None, category)."""
    try:
        vetted = target(url)
    except EgressRefused as exc:
        return None, str(exc)
    pinned = httpx.URL(url).copy_with(host=str(vetted.address))
    request_headers = {**headers, "Host": httpx.URL(url).netloc.decode("ascii")}
    # No proxy from the environment (it would connect elsewhere), no redirects (a 3xx
    # to an internal address would bypass the check).
    with httpx.Client(trust_env=False, follow_redirects=False, timeout=timeout) as client:
        try:
            response = client.post(
                pinned,
                content=content,
                headers=request_headers,
                extensions={"sni_hostname": vetted.host},
            )
        except httpx.HTTPError:
            return None, NO_RESPONSE
    return response.status_code, ""
