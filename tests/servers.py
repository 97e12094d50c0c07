"""Real servers for integration tests: our app under uvicorn, and a private Redis.

Both run on free loopback ports; the app runs in a thread of the test process so tests
can give it a controllable clock.
"""

from __future__ import annotations

import asyncio
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx
import uvicorn

from outreach_helper.main import create_app
from outreach_helper.settings import Settings

# Test clients send requests "through the proxy" from this documentation address (the app
# servers trust X-Forwarded-For, as on Toolforge); it must never reach a log line.
CLIENT_IP = "203.0.113.7"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class FakeClock:
    """Wall-clock time plus an offset that tests move forward to age entries."""

    offset: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        with self.lock:
            self.offset += seconds


class AppServer:
    """`create_app(settings)` served by uvicorn on 127.0.0.1 in a background thread."""

    started = 0  # in this test run (the log check in conftest.py needs one at least)

    def __init__(self, settings: Settings, clock: FakeClock | None = None):
        self.settings = settings
        self.clock = clock or FakeClock()
        self.app = create_app(settings, clock=self.clock)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False,
            lifespan="on", loop="asyncio", proxy_headers=True, forwarded_allow_ips="*",
        )  # fmt: skip
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def start(self) -> AppServer:
        AppServer.started += 1
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the app server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def __enter__(self) -> AppServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


# What Toolforge's shared Redis refuses; `RedisServer(toolforge=True)` refuses them too.
TOOLFORGE_DISABLED = ("KEYS", "SCAN", "FLUSHDB", "FLUSHALL", "CONFIG")


class RedisServer:
    """A throw-away redis-server on a free port, which tests may stop and restart (on the
    same port), or pause (SIGSTOP: it accepts connections and never answers)."""

    def __init__(self, *, toolforge: bool = False, config: Sequence[str] = ()) -> None:
        """`config`: more redis-server options, e.g. `["--maxclients", "4"]`."""
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed (scripts/test installs it)")
        self.binary = binary
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._dir = tempfile.mkdtemp(prefix="outreach-helper-redis-")
        self._process: subprocess.Popen[bytes] | None = None
        self._extra: list[str] = list(config)
        for command in TOOLFORGE_DISABLED if toolforge else ():
            self._extra += ["--rename-command", command, ""]

    def start(self) -> RedisServer:
        self._process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self._dir, *self._extra],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        if self._process is not None:
            self.resume()
            self._process.terminate()
            self._process.wait(timeout=10)
            self._process = None

    def pause(self) -> None:
        """Freeze the server: connections hang, as with an overloaded or stuck Redis."""
        if self._process is not None:
            self._process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        if self._process is not None:
            self._process.send_signal(signal.SIGCONT)

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self._dir, ignore_errors=True)


async def wait_until(predicate, timeout: float = 5.0, interval: float = 0.02) -> None:
    """Poll `predicate` until it holds (for effects of background work)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(interval)


def get_json(client: httpx.Client, path: str) -> dict:
    response = client.get(path)
    response.raise_for_status()
    return response.json()
