"""Real ASGI server processes for tests (uvicorn by default, daphne on request).

Tests that need a socket a browser or a `websockets` client can reach start the real
server as a subprocess on a free loopback port, pointed at the pytest-django TEST
database (so rows the test commits are visible to it) and at the test Redis.

    with AsgiServer(database_url=..., redis_url=...) as server:
        server.url        # "http://127.0.0.1:PORT"
        server.ws_url     # "ws://127.0.0.1:PORT"
        server.restart()  # stop and start again on the same port (resume tests)

`server_database_url()` builds the URL of the test database from Django's settings; call
it after pytest-django's `django_db_setup` has run (the fixtures in
tests/live/conftest.py do).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from urllib.parse import quote

REPO = Path(__file__).resolve().parents[2]
READY_TIMEOUT = 30.0


def free_port() -> int:
    """A currently free loopback port, chosen by the kernel (outside helpers' ranges)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_database_url() -> str:
    """DATABASE_URL of the database the test process uses (the `test_...` one)."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if "postgresql" not in db["ENGINE"]:
        raise RuntimeError("server-process tests need PostgreSQL (run them with `make test`)")
    user = quote(db.get("USER") or "postgres")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


class AsgiServer:
    """One ASGI server subprocess serving `liveapp.asgi:application`."""

    def __init__(
        self,
        *,
        database_url: str,
        redis_url: str | None,
        server: str = "uvicorn",
        port: int | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        if server not in ("uvicorn", "daphne"):
            raise ValueError(f"unknown server {server!r}")
        self.server = server
        self.port = port or free_port()
        self.database_url = database_url
        self.redis_url = redis_url
        self.extra_env = env or {}
        self.process: subprocess.Popen[bytes] | None = None
        self._log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - lives as long as the server
            prefix=f"scoreline-{server}-{self.port}-", suffix=".log", delete=False
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def origin(self) -> str:
        """An Origin header AllowedHostsOriginValidator accepts."""
        return self.url

    def command(self) -> list[str]:
        if self.server == "uvicorn":
            # Same flags as the `web` process in Procfile: frames up to 4 KiB, no per-message
            # compression (one compressor per socket multiplies the cost of fan-out,
            # docs/PERFORMANCE.md).
            return [
                sys.executable, "-m", "uvicorn", "liveapp.asgi:application",
                "--host", "127.0.0.1", "--port", str(self.port),
                "--ws-per-message-deflate", "false", "--lifespan", "off", "--no-access-log",
                "--ws-max-size", "4096", "--no-proxy-headers",
            ]  # fmt: skip
        return [
            sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port),
            "liveapp.asgi:application",
        ]  # fmt: skip

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "liveapp.settings",
                "DATABASE_URL": self.database_url,
                "DEBUG": "1",
                "PYTHONUNBUFFERED": "1",
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
            }
        )
        if self.redis_url:
            env["REDIS_URL"] = self.redis_url
        else:
            env.pop("REDIS_URL", None)
        # Never inherit the browser-test escape hatch into a server.
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        env.update(self.extra_env)
        return env

    def start(self) -> AsgiServer:
        if self.process is not None and self.process.poll() is None:
            return self
        self.process = subprocess.Popen(
            self.command(),
            cwd=REPO,
            env=self.environment(),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # so stop() can signal the whole group
        )
        self.wait_ready()
        return self

    def wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"{self.server} exited during start-up:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.server} not ready after {READY_TIMEOUT}s:\n{self.log_tail()}")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        except ProcessLookupError:
            pass

    def restart(self) -> None:
        """Stop and start on the same port: every socket drops, clients reconnect."""
        self.stop()
        self.start()

    def log_tail(self, lines: int = 40) -> str:
        self._log.flush()
        text = Path(self._log.name).read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def __enter__(self) -> AsgiServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
        self._log.close()
        if exc_type is None:
            Path(self._log.name).unlink(missing_ok=True)
