"""Processes for the chaos soak: the real `serve --workers 2`, and a Redis it may break.

Kept apart from the soak's traffic and checks so each part reads on its own. Nothing here
touches the shared Redis on 127.0.0.1:6379: `ChaosRedis` is a private server on a free
port (tests/servers.py's `RedisServer`) that the soak restarts, pauses and squeezes.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import redis

from tests.servers import RedisServer, free_port

ROOT = Path(__file__).resolve().parents[1]
_TASKS = re.compile(r'^outreach_helper_asyncio_tasks\{worker="(\d+)"\} ([0-9.e+]+)$', re.M)
_UPSTREAM = re.compile(
    r'^outreach_helper_upstream_requests_total\{dashboard="[^"]+",endpoint="([^"]+)",'
    r'outcome="([^"]+)"\} '
    r"([0-9.e+]+)$",
    re.M,
)


class ServeProcess:
    """`outreach-helper serve --workers N` on a free loopback port, logs to a file."""

    def __init__(self, env: dict[str, str], log_path: Path, workers: int = 2) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.log_path = log_path
        self._env = {**os.environ, **env, "PYTHONPATH": str(ROOT / "src")}
        self._env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # one registry per worker
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> ServeProcess:
        command = [
            str(Path(sys.executable).parent / "outreach-helper"), "serve",
            "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers),
        ]  # fmt: skip
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                command, env=self._env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(
                    f"serve exited with {self._process.returncode}; see {self.log_path}"
                )
            try:
                ready = httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200
            except httpx.HTTPError:
                ready = False
            if ready and len(self.worker_pids()) == self.workers:
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"serve did not start within {timeout} s; see {self.log_path}")

    def worker_pids(self) -> list[int]:
        """The worker processes uvicorn's supervisor spawned (not its resource tracker)."""
        if self._process is None:
            return []
        pid = self._process.pid
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            return []
        workers = []
        for child in children:
            try:
                cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
            except OSError:
                continue
            if b"spawn_main" in cmdline:
                workers.append(int(child))
        return sorted(workers)

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGINT)  # uvicorn's supervisor stops its workers on it
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def __enter__(self) -> ServeProcess:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def rss_mib(pid: int) -> float:
    """Resident memory of a process, MiB (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def scrape_workers(base_url: str, pids: list[int], attempts: int = 80) -> dict[int, str]:
    """/metrics of every worker: each scrape opens a new connection, which whichever
    worker accepts answers with its own registry; its task gauge names it."""
    texts: dict[int, str] = {}
    for _ in range(attempts):
        try:
            text = httpx.get(f"{base_url}/metrics", timeout=5).text
        except httpx.HTTPError:
            time.sleep(0.05)
            continue
        for pid, _count in _TASKS.findall(text):
            texts.setdefault(int(pid), text)
        if set(pids) <= set(texts):
            break
    return texts


def tasks_of(text: str) -> int:
    """The task gauge of the worker that answered this scrape."""
    found = _TASKS.findall(text)
    return int(float(found[0][1])) if found else -1


def upstream_attempts(text: str) -> dict[str, float]:
    """Requests this worker sent to the Dashboard, per endpoint, all outcomes."""
    totals: dict[str, float] = {}
    for endpoint, _outcome, value in _UPSTREAM.findall(text):
        totals[endpoint] = totals.get(endpoint, 0.0) + float(value)
    return totals


class ChaosRedis(RedisServer):
    """A private Redis the soak restarts (empty, as a Redis without persistence comes
    back), pauses (SIGSTOP) and squeezes (`maxmemory` + `allkeys-lru`, filled by keys of
    its own so that ours are evicted)."""

    FILLER = "soak-filler:"

    def __init__(self) -> None:
        super().__init__()
        self._fillers = 0

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=5)

    def restart(self, down_for: float) -> None:
        self.stop()
        time.sleep(down_for)
        self.start()

    def squeeze(self, maxmemory_mib: int, fill_mib: int) -> None:
        """Cap memory at `maxmemory_mib` and write `fill_mib` of filler keys into it."""
        with self.client() as client:
            client.config_set("maxmemory-policy", "allkeys-lru")
            client.config_set("maxmemory", f"{maxmemory_mib}mb")
            value = b"x" * 16384
            count = fill_mib * 64
            pipe = client.pipeline(transaction=False)
            for number in range(count):
                pipe.set(f"{self.FILLER}{number}", value)
                if number % 256 == 255:
                    pipe.execute()
            pipe.execute()
            self._fillers = max(self._fillers, count)

    def release(self) -> None:
        """No cap any more, and the filler keys gone."""
        with self.client() as client:
            client.config_set("maxmemory", "0")
            names = [f"{self.FILLER}{number}" for number in range(self._fillers)]
            for start in range(0, len(names), 500):
                client.delete(*names[start : start + 500])
        self._fillers = 0

    def evicted_keys(self) -> int:
        with self.client() as client:
            return int(client.info("stats")["evicted_keys"])
