"""A multi-worker server for integration tests: `outreach-helper serve --workers N` (the
CLI, so the same uvicorn options as production) in its own process group.

Unlike `tests.servers.AppServer` (a thread of the test process) each worker here is a real
process with its own event loop, tier and leases, sharing only Redis.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[1]


class Workers:
    """`serve --workers N` on a free loopback port, configured by environment variables."""

    def __init__(self, env: dict[str, str], *, workers: int = 2) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), **env}
        for name in ("REDIS_HOST", "PORT", "WEB_CONCURRENCY"):
            if name not in env:
                self._env.pop(name, None)
        self._command = [
            sys.executable, "-m", "outreach_helper.cli", "serve",
            "--port", str(self.port), "--workers", str(workers),
        ]  # fmt: skip
        self._log = Path(tempfile.mkstemp(prefix="outreach-helper-workers-")[1])
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def log(self) -> str:
        return self._log.read_text(errors="replace")

    def worker_pids(self) -> list[int]:
        """The worker processes (children of the `serve` process that hold a Redis
        connection are the workers; uvicorn may also start a helper process)."""
        assert self._process is not None
        return children_of(self._process.pid)

    def start(self, timeout: float = 30.0) -> Workers:
        with self._log.open("wb") as log:
            self._process = subprocess.Popen(
                self._command, cwd=ROOT, env=self._env, stdout=log, stderr=log,
                start_new_session=True,  # its own process group: stop() ends every worker
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"serve --workers did not come up:\n{self.log}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self._process is None:
            return
        if self._process.poll() is None:
            os.killpg(self._process.pid, signal.SIGTERM)
            try:
                self._process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait(timeout=10)
        self._process = None
        self._log.unlink(missing_ok=True)

    def __enter__(self) -> Workers:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


class Worker:
    """`outreach-helper serve` (one process) on a free loopback port: a test that starts
    two knows which one answered."""

    def __init__(self, env: dict[str, str]):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._process = subprocess.Popen(
            [str(Path(sys.executable).parent / "outreach-helper"), "serve", "--port",
             str(self.port)],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while True:
            assert self._process.poll() is None, "the worker exited"
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200:
                    return
            assert time.monotonic() < deadline, "the worker did not come up"
            time.sleep(0.1)

    def get(self, path: str) -> httpx.Response:
        return httpx.get(self.base_url + path, timeout=30)

    def stop(self) -> None:
        self._process.terminate()
        self._process.wait(timeout=20)


def children_of(parent: int) -> list[int]:
    """The processes whose parent is `parent` (read from /proc: Linux)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
                pids.append(int(entry.name))
    return pids


def local_ports_to(pid: int, remote_port: int) -> set[int]:
    """The local ports of process `pid`'s TCP connections to `remote_port` on loopback
    (its socket inodes in /proc/PID/fd matched against /proc/net/tcp)."""
    inodes = set()
    fds = Path(f"/proc/{pid}/fd")
    for fd in fds.iterdir() if fds.exists() else ():
        with contextlib.suppress(OSError):
            link = os.readlink(fd)
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
    ports = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, inode = fields[1], fields[2], fields[9]
        if inode in inodes and int(remote.rsplit(":", 1)[1], 16) == remote_port:
            ports.add(int(local.rsplit(":", 1)[1], 16))
    return ports
