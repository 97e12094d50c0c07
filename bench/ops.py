"""Operational figures: cold fetches, upstream load, Redis bytes, memory per worker.

    .venv/bin/python bench/ops.py

Runs the Procfile's command (gunicorn, 2 workers) against the fake Dashboard (in this
process) and a private Redis, and prints a table:
- a cold enriched lookup of the 40-course user with the Dashboard answering in 200 ms,
  against the least it can take with 8 requests in flight (1 round for the user, 1 for
  the roster that confirms it is theirs, then 79/8 for the other 40 + 39 documents);
- Dashboard requests caused by 100 concurrent cold requests for one user over 2 workers;
- Redis bytes (MEMORY USAGE) of one cached user, course and roster;
- resident memory per worker, idle and after warming 10,000 distinct users, over Redis
  (default settings: the in-process tier keeps up to MEMORY_MAX_ENTRIES copies) and on
  the memory store.
"""

from __future__ import annotations

import copy
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import redis

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from tests.fakedash import dataset as d  # noqa: E402
from tests.fakedash.server import FakeDashboard  # noqa: E402
from tests.servers import RedisServer, free_port  # noqa: E402

WARM_USERS = 10000


def procfile_command() -> list[str]:
    line = next(x for x in (ROOT / "Procfile").read_text().splitlines() if x.startswith("web:"))
    return shlex.split(line.removeprefix("web:"))


@contextmanager
def deployed(fake: FakeDashboard, redis_url: str | None) -> Iterator[tuple[str, int]]:
    """The Procfile command on a free port; yields (base URL, gunicorn master pid)."""
    port = free_port()
    env = dict(os.environ, PORT=str(port), WEB_CONCURRENCY="2", LOG_LEVEL="WARNING",
               OUTREACH_BASE_URL=fake.base_url, REDIS_KEY_PREFIX=f"bench-{port}:",
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")  # fmt: skip
    env.pop("REDIS_HOST", None)
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    process = subprocess.Popen(
        procfile_command(), cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(f"{base}/healthz", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield base, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def worker_rss_mib(master: int) -> list[float]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    sizes = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        kib = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
        sizes.append(kib / 1024)
    return sizes


def cold_enriched(fake: FakeDashboard, redis_url: str) -> tuple[float, int]:
    fake.reset()
    fake.latency = 0.2
    try:
        with deployed(fake, redis_url) as (base, _):
            started = time.perf_counter()
            httpx.get(f"{base}/api/users/Forty_Courses?enrich=true", timeout=60).raise_for_status()
            return time.perf_counter() - started, fake.max_in_flight
    finally:
        fake.latency = 0.0


def concurrent_cold(fake: FakeDashboard, redis_url: str) -> int:
    fake.reset()
    fake.latency = 0.3
    try:
        with deployed(fake, redis_url) as (base, _):

            def get(_: int) -> int:
                headers = {"Connection": "close"}
                url = f"{base}/api/users/Ngozi_Placeholder"
                return httpx.get(url, headers=headers, timeout=60).status_code

            with ThreadPoolExecutor(max_workers=100) as pool:
                statuses = list(pool.map(get, range(100)))
            assert statuses.count(200) == 100, statuses
            return fake.counts["user_stats"]
    finally:
        fake.latency = 0.0


def redis_bytes(fake: FakeDashboard, redis_url: str) -> dict[str, int]:
    with deployed(fake, redis_url) as (base, _):
        httpx.get(f"{base}/api/users/Ada_Example?enrich=true", timeout=60).raise_for_status()
        prefix = f"bench-{base.rsplit(':', 1)[1]}:"
    r = redis.Redis.from_url(redis_url)
    return {
        kind: int(r.memory_usage(f"{prefix}{kind}:{ident}") or 0)
        for kind, ident in (("user", d.ADA), ("course", d.SLUG_ACTIVE), ("roster", d.SLUG_ACTIVE))
    }


def rss_after_warming(
    fake: FakeDashboard, redis_url: str | None
) -> tuple[list[float], list[float]]:
    template = fake.dataset.users[d.ADA]
    names = [f"Bench User {n:05d}" for n in range(WARM_USERS)]
    for name in names:
        payload = copy.deepcopy(template)
        for upload in payload["user_recent_uploads"]:
            upload["uploader"] = name  # their own uploads: confirmed without a roster
        fake.set_user(name, payload)
    with deployed(fake, redis_url) as (base, master):
        httpx.get(f"{base}/api/users/Ada_Example", timeout=30)
        idle = worker_rss_mib(master)
        with httpx.Client(base_url=base, timeout=30) as http:

            def get(name: str) -> None:
                http.get(f"/api/users/{name}").raise_for_status()

            with ThreadPoolExecutor(max_workers=16) as pool:
                list(pool.map(get, names))
        return idle, worker_rss_mib(master)


def main() -> None:
    redis_server = RedisServer().start()
    try:
        with FakeDashboard() as fake:
            seconds, in_flight = cold_enriched(fake, redis_server.url)
            upstream = concurrent_cold(fake, redis_server.url)
            sizes = redis_bytes(fake, redis_server.url)
            idle, over_redis = rss_after_warming(fake, redis_server.url)
            _, on_memory = rss_after_warming(fake, None)
    finally:
        redis_server.cleanup()
    floor = (1 + 1 + 79 / 8) * 0.2
    print(f"\nProcfile command (gunicorn, 2 workers), fake Dashboard, {os.cpu_count()} cores\n")
    print("| measure | figure |")
    print("|---|---|")
    print(
        f"| cold `?enrich=true`, 40 courses, 200 ms upstream | {seconds:.2f} s "
        f"({seconds / floor:.2f}x the {floor:.1f} s floor; {in_flight} in flight at most) |"
    )
    print(f"| Dashboard requests for 100 concurrent cold requests, 2 workers | {upstream} |")
    for kind, size in sizes.items():
        print(f"| Redis bytes per cached {kind} (MEMORY USAGE) | {size} |")
    print(f"| RSS per worker, idle (MiB) | {', '.join(f'{x:.0f}' for x in idle)} |")
    print(f"| RSS per worker after {WARM_USERS} users, over Redis (MiB) | "
          f"{', '.join(f'{x:.0f}' for x in over_redis)} |")  # fmt: skip
    print(f"| RSS per worker after {WARM_USERS} users, memory store (MiB) | "
          f"{', '.join(f'{x:.0f}' for x in on_memory)} |")  # fmt: skip


if __name__ == "__main__":
    main()
