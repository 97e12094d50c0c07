"""The Procfile's `web:` command, run as Toolforge runs it: gunicorn, 2 workers, $PORT.

Also checks what only a real multi-worker deployment shows: /metrics adds up both
workers, and the logs are JSON lines without the client's address, even though the
front proxy's X-Forwarded-For is trusted.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.fakedash.server import FakeDashboard
from tests.servers import CLIENT_IP, RedisServer, free_port

ROOT = Path(__file__).resolve().parents[2]


def procfile_web_command() -> str:
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith("web:"):
            return line.removeprefix("web:").strip()
    raise AssertionError("Procfile has no web: line")


def metric_total(text: str, name: str, **labels: str) -> float:
    """Sum of a metric's samples whose labels include `labels`."""
    total = 0.0
    for line in text.splitlines():
        match = re.match(rf"^{name}(?:{{(.*)}})? (\S+)$", line)
        if not match:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1) or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            total += float(match.group(2))
    return total


@pytest.fixture
def deployed(fake: FakeDashboard, redis_server: RedisServer) -> Iterator[tuple[str, Path, Path]]:
    """The Procfile command with PORT set; yields (base URL, log file, metrics folder)."""
    port = free_port()
    metrics_dir = Path(tempfile.mkdtemp(prefix="outreach-helper-metrics-"))
    log_path = Path(tempfile.mkstemp(prefix="outreach-helper-log-")[1])
    env = dict(
        os.environ,
        PORT=str(port),
        WEB_CONCURRENCY="2",
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
        OUTREACH_BASE_URL=fake.base_url,
        REDIS_URL=redis_server.url,
        REDIS_KEY_PREFIX=f"deploy-{port}:",
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    env.pop("REDIS_HOST", None)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            shlex.split(procfile_web_command()), cwd=ROOT, env=env, stdout=log, stderr=log
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, "the Procfile command did not come up"
            time.sleep(0.1)
        yield base, log_path, metrics_dir
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_procfile_command_serves_counts_both_workers_and_logs_no_client_address(
    deployed: tuple[str, Path, Path], fake: FakeDashboard
) -> None:
    base, log_path, metrics_dir = deployed
    headers = {"X-Forwarded-For": CLIENT_IP, "Connection": "close"}
    paths = ["/api/users/Ada_Example", "/api/users/Does_Not_Exist", "/api/users/bad%23name"]

    def get(path: str) -> int:
        return httpx.get(base + path, headers=headers, timeout=30).status_code

    # Fresh connections, many at once, so that both workers take some.
    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(get, paths * 20))
    assert statuses == [200, 404, 400] * 20
    assert fake.counts["user_stats"] == 2  # one per user, across both workers

    text = httpx.get(f"{base}/metrics", timeout=10).text
    route = "/api/users/{username}"
    assert metric_total(text, "outreach_helper_requests_total", route=route) == 60
    assert metric_total(text, "outreach_helper_requests_total", route=route, status="404") == 20
    # Both workers wrote their own figures, and /metrics added them up.
    assert len(list(metrics_dir.glob("counter_*.db"))) >= 2
    assert metric_total(text, "outreach_helper_upstream_requests_total", outcome="found") == 1
    assert metric_total(text, "outreach_helper_upstream_requests_total", outcome="not_found") == 1
    # 40 lookups of two users (the 400s never reach the cache), 20 of them of a 404.
    assert metric_total(text, "outreach_helper_cache_lookups_total", kind="user") == 40
    assert metric_total(text, "outreach_helper_cache_lookups_total", state="negative") == 20

    # Faults move their counters too.
    fake.fail_mode = "500"
    assert get("/api/users/Zo%C3%AB_M%C3%BCller") == 502
    text = httpx.get(f"{base}/metrics", timeout=10).text
    bad = metric_total(text, "outreach_helper_upstream_requests_total", outcome="bad_response")
    assert bad == 1
    assert metric_total(text, "outreach_helper_cache_lookups_total", state="error") == 1
    assert metric_total(text, "outreach_helper_requests_total", route=route, status="502") == 1

    time.sleep(0.5)  # let the last log lines reach the file
    lines = [line for line in log_path.read_text().splitlines() if line.strip()]
    events = [json.loads(line) for line in lines if line.startswith("{")]
    request_lines = [e for e in events if e.get("event") == "request"]
    assert len(request_lines) >= 60
    assert {e["route"] for e in request_lines} >= {route}
    assert all("duration_ms" in e and "status" in e for e in request_lines)
    assert not [line for line in lines if CLIENT_IP in line]


def test_procfile_maintain_process_runs_the_cli(fake: FakeDashboard) -> None:
    """Toolforge one-off jobs run `maintain <command>` from the image."""
    line = next(
        x for x in (ROOT / "Procfile").read_text().splitlines() if x.startswith("maintain:")
    )
    command = line.removeprefix("maintain:").strip() + " check --username Ada_Example"
    env = dict(
        os.environ,
        OUTREACH_BASE_URL=fake.base_url,
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    env.pop("REDIS_URL", None)
    env.pop("REDIS_HOST", None)
    result = subprocess.run(
        ["bash", "-c", command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "user 'Ada Example' found" in result.stdout
