"""Redis connections per worker under a burst, with and without the pool bound.

    .venv/bin/python bench/redis_clients.py [--max-connections 8,1000] [--runs 3]

For each `REDIS_MAX_CONNECTIONS` given, `--runs` times: a private Redis, the fake Dashboard
(50 ms a request) and one `serve --workers 2` (a replica), then 300 concurrent requests
(150 cold users, 100 of one warm user, 50 `/api/participants` with a cold name each), each
on a new connection. `CLIENT LIST` is sampled every 10 ms during the burst and each client
attributed to its worker process by its socket (Linux /proc). Prints the burst's time,
its status codes, each worker's peak of clients and the clients left open afterwards; the
README's "Replicas" figures come from here. 1000 stands for "no bound" (what a worker
opened before the bound: one connection per concurrent command).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

import httpx  # noqa: E402
import redis  # noqa: E402

from tests.fakedash import dataset as d  # noqa: E402
from tests.fakedash.server import FakeDashboard  # noqa: E402
from tests.servers import RedisServer  # noqa: E402
from tests.workers import Workers, local_ports_to  # noqa: E402

FRESH = {"Connection": "close"}


def burst_paths() -> list[str]:
    return (
        [f"/api/users/Cold_{n}" for n in range(150)]
        + [f"/api/users/{d.ADA}"] * 100
        + [f"/api/participants?usernames={d.ADA}|Cold_{n}" for n in range(50)]
    )


async def one_run(fake: FakeDashboard, max_connections: int) -> dict:
    server = RedisServer().start()
    env = {
        "OUTREACH_BASE_URL": fake.base_url,
        "REDIS_URL": server.url,
        "REDIS_KEY_PREFIX": f"bench-{uuid.uuid4().hex}:",
        "REDIS_MAX_CONNECTIONS": str(max_connections),
        "LOG_LEVEL": "WARNING",
    }
    try:
        with Workers(env, workers=2) as replica:
            pids = replica.worker_pids()
            admin = redis.Redis.from_url(server.url)
            peak: dict[int, int] = {}
            sampling = True

            def sample() -> None:
                while sampling:
                    addresses = [c["addr"] for c in admin.client_list()]
                    for pid in pids:
                        ports = local_ports_to(pid, server.port)
                        count = sum(int(a.rsplit(":", 1)[1]) in ports for a in addresses)
                        peak[pid] = max(peak.get(pid, 0), count)
                    time.sleep(0.01)

            sampler = threading.Thread(target=sample)
            sampler.start()
            limits = httpx.Limits(max_connections=400)
            try:
                async with httpx.AsyncClient(
                    base_url=replica.base_url, timeout=60, limits=limits
                ) as http:
                    started = time.monotonic()
                    answers = await asyncio.gather(
                        *(http.get(path, headers=FRESH) for path in burst_paths())
                    )
                    seconds = time.monotonic() - started
            finally:
                sampling = False
                sampler.join()
            return {
                "seconds": seconds,
                "statuses": sorted({a.status_code for a in answers}),
                "peaks": sorted(n for n in peak.values() if n),
                "left_open": len(admin.client_list()) - 1,
            }
    finally:
        server.cleanup()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-connections", default="8,1000")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with FakeDashboard() as fake:
        fake.latency = 0.05
        for bound in [int(n) for n in args.max_connections.split(",")]:
            runs = []
            for _ in range(args.runs):
                fake.reset()
                runs.append(await one_run(fake, bound))
                run = runs[-1]
                print(f"REDIS_MAX_CONNECTIONS={bound}: burst {run['seconds']:.2f} s, statuses "
                      f"{run['statuses']}, peak clients per worker {run['peaks']}, "
                      f"left open {run['left_open']}")  # fmt: skip
            median = statistics.median(r["seconds"] for r in runs)
            print(f"REDIS_MAX_CONNECTIONS={bound}: median burst {median:.2f} s, highest peak "
                  f"{max(max(r['peaks']) for r in runs)} per worker")  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main())
