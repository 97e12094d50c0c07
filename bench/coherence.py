"""How long until every worker serves an entry another worker wrote.

    .venv/bin/python bench/coherence.py [--writes 30]

Starts a private Redis, the fake Dashboard and two workers (`outreach-helper serve`, one
process each, on their own ports, so each answer's worker is known), warms a user in
both, then repeatedly writes a newer entry of that user the way a third worker's refresh
does (`TieredStore.write`: Redis, then the invalidation on the channel) and polls both
workers until each serves it. Prints the latency from the write to the last worker
serving the new entry (median, 90th percentile, worst), with the default re-check
interval and with invalidations switched off (lost), where only the re-check bounds it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from bench.run import process  # noqa: E402
from outreach_helper.cache.entry import Entry  # noqa: E402
from outreach_helper.cache.redis_store import RedisStore  # noqa: E402
from outreach_helper.components import build_store  # noqa: E402
from outreach_helper.settings import Settings  # noqa: E402
from tests.fakedash import dataset as d  # noqa: E402
from tests.servers import RedisServer, free_port  # noqa: E402

BIN = Path(sys.executable).parent
KEY = f"user:{d.ADA}"
PATH = "/api/users/Ada_Example"


async def serves(http: httpx.AsyncClient, base: str, marker: str) -> float:
    """Poll `base` until it answers `marker`; when that happened (perf_counter)."""
    while True:
        response = await http.get(base + PATH)
        if response.json()["max_project"] == marker:
            return time.perf_counter()


async def measure(redis_url: str, prefix: str, bases: list[str], writes: int, announce: bool):
    settings = Settings(redis_url=redis_url, redis_key_prefix=prefix)
    store = build_store(settings) if announce else RedisStore(redis_url, prefix=prefix)
    latencies = []
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            for n in range(writes):
                marker = f"write-{announce}-{n}"
                current = (await store.read(KEY)).entry
                assert current is not None
                entry = Entry(time.time(), {**current.data, "max_project": marker})
                pollers = [asyncio.create_task(serves(http, base, marker)) for base in bases]
                await asyncio.sleep(0.05)  # the pollers are polling the old entry
                written = time.perf_counter()
                assert await store.write(KEY, entry, None, 3600)
                served = await asyncio.wait_for(asyncio.gather(*pollers), 30)
                latencies.append(max(served) - written)
    finally:
        await store.aclose()
    return latencies


def summary(latencies: list[float]) -> str:
    ms = sorted(x * 1000 for x in latencies)
    p90 = ms[min(len(ms) - 1, int(len(ms) * 0.9))]
    return f"median {statistics.median(ms):.1f} ms, p90 {p90:.1f} ms, worst {ms[-1]:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=30)
    args = parser.parse_args()
    redis_server = RedisServer().start()
    fake_port = free_port()
    prefix = f"coherence-{fake_port}:"
    env = dict(os.environ, PYTHONPATH=f"{ROOT / 'src'}:{ROOT}", REDIS_URL=redis_server.url,
               REDIS_KEY_PREFIX=prefix, LOG_LEVEL="WARNING",
               OUTREACH_BASE_URL=f"http://127.0.0.1:{fake_port}")  # fmt: skip
    env.pop("REDIS_HOST", None)
    fake_cmd = [str(BIN / "python"), "-m", "tests.fakedash", "--port", str(fake_port)]
    ports = [free_port(), free_port()]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    recheck = Settings().tier_recheck_interval
    try:
        with process(fake_cmd, env, f"http://127.0.0.1:{fake_port}/user_stats.json?username=x"):
            workers = [
                process(
                    [str(BIN / "outreach-helper"), "serve", "--port", str(port)],
                    env,
                    f"{base}/healthz",
                )  # fmt: skip
                for port, base in zip(ports, bases, strict=True)
            ]
            with workers[0], workers[1]:
                for base in bases:
                    httpx.get(base + PATH, timeout=30).raise_for_status()
                announced = asyncio.run(measure(redis_server.url, prefix, bases, args.writes, True))
                lost = asyncio.run(
                    measure(redis_server.url, prefix, bases, max(5, args.writes // 3), False)
                )
    finally:
        redis_server.cleanup()
    print(f"\nwrite in one worker -> the last of 2 other workers serving it "
          f"(TIER_RECHECK_INTERVAL {recheck:g} s)\n")  # fmt: skip
    print("| invalidation | latency |")
    print("|---|---|")
    print(f"| published (pub/sub), {len(announced)} writes | {summary(announced)} |")
    print(f"| lost (written straight into Redis), {len(lost)} writes | {summary(lost)} |")


if __name__ == "__main__":
    main()
