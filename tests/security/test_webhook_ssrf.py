"""Finding 2: partner webhooks cannot reach internal addresses (SSRF).

A real listener on 127.0.0.1 counts every connection it accepts: none may arrive, at
save or at send, for any of the refused forms of address, and what the API answers is
the same for that open port as for a closed one."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from rest_framework.test import APIClient

from scoreboard.partners import services as partner_services
from scoreboard.partners import webhooks
from scoreboard.partners.egress import REFUSED
from scoreboard.partners.models import Partner, Webhook
from tests.feeds.conftest import new_match_event
from tests.support.asgi_server import free_port

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "s" * 32


class Listener:
    """A TCP listener on 127.0.0.1 that counts the connections it accepts."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            conn.close()

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


@pytest.fixture
def production(settings: Any) -> Any:
    settings.WEBHOOK_ALLOW_LOOPBACK = False  # the default, stated
    return settings


@pytest.fixture
def client() -> APIClient:
    partner = Partner.objects.create(name="Mallory Media")
    key = partner_services.create_api_key(partner=partner, name="t", scopes=["webhooks"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {key.token}")
    return api


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Names the test's resolver answers itself (no /etc/hosts, no DNS); others as usual."""
    names: dict[str, str] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host in names:
            family = socket.AF_INET6 if ":" in names[host] else socket.AF_INET
            return [(family, socket.SOCK_STREAM, 6, "", (names[host], port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return names


def refused_urls(port: int) -> dict[str, str]:
    return {
        "loopback v4": f"https://127.0.0.1:{port}/hook",
        "loopback v4, plain http": f"http://127.0.0.1:{port}/hook",
        "loopback v6": f"https://[::1]:{port}/hook",
        "RFC 1918": f"https://10.0.0.5:{port}/hook",
        "RFC 1918 (192.168)": f"https://192.168.1.10:{port}/hook",
        "link-local / metadata": f"https://169.254.169.254:{port}/latest/meta-data/",
        "0.0.0.0": f"https://0.0.0.0:{port}/hook",
        "IPv4-mapped IPv6": f"https://[::ffff:127.0.0.1]:{port}/hook",
        "6to4 of loopback": f"https://[2002:7f00:1::]:{port}/hook",
        "localhost": f"https://localhost:{port}/hook",
        "name resolving to loopback": f"https://loopback.scoreline.test:{port}/hook",
        "multicast": f"https://224.0.0.1:{port}/hook",
    }


def test_saving_an_internal_url_is_refused_alike_for_open_and_closed_ports(
    production: Any, client: APIClient, listener: Listener, resolver: dict[str, str]
) -> None:
    resolver["loopback.scoreline.test"] = "127.0.0.1"
    closed = free_port()
    for what, url in refused_urls(listener.port).items():
        open_answer = client.post("/api/v1/webhooks", {"url": url, "secret": SECRET}, format="json")
        closed_url = url.replace(f":{listener.port}/", f":{closed}/")
        closed_answer = client.post(
            "/api/v1/webhooks", {"url": closed_url, "secret": SECRET}, format="json"
        )
        assert open_answer.status_code == 400, (what, open_answer.content)
        assert open_answer.json()["error"] == "invalid"
        assert (
            "not allowed" in open_answer.json()["detail"]
            or "HTTPS" in (open_answer.json()["detail"])
        ), what
        assert (closed_answer.status_code, closed_answer.json()) == (
            open_answer.status_code,
            open_answer.json(),
        ), what
    assert not Webhook.objects.exists()
    assert listener.accepted == 0


def deliveries_of(client: APIClient, hook: Webhook) -> list[dict[str, Any]]:
    answer = client.get(f"/api/v1/webhooks/{hook.pk}/deliveries")
    assert answer.status_code == 200
    return [{k: v for k, v in row.items() if k != "created_at"} for row in answer.json()]


def test_sending_never_connects_to_an_internal_address_and_reveals_no_port(
    production: Any, client: APIClient, listener: Listener, resolver: dict[str, str]
) -> None:
    """Rows saved before the check (or by a name that resolved elsewhere when saved):
    the send-time check refuses them without connecting."""
    resolver["loopback.scoreline.test"] = "127.0.0.1"
    partner = Partner.objects.get(name="Mallory Media")
    new_match_event("football", "ssrf-1")  # a change to deliver
    closed = free_port()
    for what, url in refused_urls(listener.port).items():
        hooks = [
            Webhook.objects.create(partner=partner, url=u, secret=SECRET, topics={"all": True})
            for u in (url, url.replace(f":{listener.port}/", f":{closed}/"))
        ]
        for hook in hooks:
            webhooks.deliver_pending(hook.pk, batch=5)
        on_open, on_closed = (deliveries_of(client, hook) for hook in hooks)
        assert on_open == on_closed, what
        assert [(d["ok"], d["status_code"], d["duration_ms"]) for d in on_open] == [
            (False, None, 0)
        ], what
        assert on_open[0]["error"] in (REFUSED, "webhook URLs must use HTTPS"), what
        Webhook.objects.filter(pk__in=[h.pk for h in hooks]).delete()
    assert listener.accepted == 0


def test_a_name_that_rebinds_to_loopback_after_saving_is_refused_at_send(
    production: Any, client: APIClient, listener: Listener, resolver: dict[str, str]
) -> None:
    resolver["rebind.scoreline.test"] = "93.184.216.34"  # public when saved
    url = f"https://rebind.scoreline.test:{listener.port}/hook"
    saved = client.post("/api/v1/webhooks", {"url": url, "secret": SECRET}, format="json")
    assert saved.status_code == 201, saved.content
    new_match_event("football", "ssrf-2")
    resolver["rebind.scoreline.test"] = "127.0.0.1"  # then the name points inside
    hook = Webhook.objects.get(pk=saved.json()["id"])
    hook.cursor = 0
    hook.save(update_fields=["cursor"])
    webhooks.deliver_pending(hook.pk, batch=5)
    [delivery] = deliveries_of(client, hook)
    assert (delivery["ok"], delivery["error"]) == (False, REFUSED)
    assert listener.accepted == 0


def test_webhooks_per_partner_are_capped(production: Any, client: APIClient) -> None:
    production.WEBHOOK_MAX_PER_PARTNER = 2
    answers = [
        client.post(
            "/api/v1/webhooks",
            {"url": f"https://93.184.216.34/hook{n}", "secret": SECRET},
            format="json",
        )
        for n in range(3)
    ]
    assert [a.status_code for a in answers] == [201, 201, 409]
    assert "at most 2 webhooks" in answers[2].json()["detail"]


def self_signed(name: str, directory: Any) -> tuple[str, str]:
    """A certificate for `name` and its key, as PEM files (nobody trusts it)."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_path), str(key_path)


def test_a_send_resolves_once_and_connects_to_the_vetted_address_with_the_names_sni(
    settings: Any, resolver: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    """Pinning: one resolution per send, the connection to the address it vetted, and
    TLS still names the host (SNI), so the certificate is checked against the name."""
    import ssl

    from scoreboard.partners import egress

    settings.WEBHOOK_ALLOW_LOOPBACK = True  # the receiver must live on loopback here
    name = "pinned.scoreline.test"
    resolver[name] = "127.0.0.1"
    lookups: list[str] = []
    answer = socket.getaddrinfo

    def counting(host: Any, *args: Any, **kwargs: Any) -> Any:
        lookups.append(host)
        return answer(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", counting)

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*self_signed(name, tmp_path))
    server_names: list[str | None] = []
    context.sni_callback = lambda sock, server_name, ctx: server_names.append(server_name)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        conn, _ = listener.accept()
        try:
            context.wrap_socket(conn, server_side=True).close()
        except (ssl.SSLError, OSError):
            pass  # the client does not trust this certificate: expected
        finally:
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    status, error = egress.post(f"https://{name}:{port}/hook", content=b"{}", headers={}, timeout=5)
    thread.join(timeout=10)
    listener.close()
    assert (status, error) == (None, egress.NO_RESPONSE)  # untrusted certificate: refused
    assert lookups.count(name) == 1  # vetted once; the connection did not resolve again
    assert server_names == [name]  # it reached the vetted address, naming the host
