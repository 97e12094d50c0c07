"""What the stats history costs Redis, and how fast `/stats.json?range=7d` answers.

    .venv/bin/python bench/stats_size.py

Fills a private Redis with 8 days of history as busy workers would leave it (every
minute: answers on six routes with four status classes and every Cache-Status state,
spread over eight latency buckets; requests to three endpoints with every outcome;
state samples, tier hits and gauges), writing each minute through the real recorder and
`RedisStore.add_counts`, each resolution only as far back as it is kept. Then it prints
`MEMORY USAGE` summed per resolution (bytes held at any time, and per day of the 7-day
history) and runs the real app on that Redis to time `/stats.json?range=7d` (its
`Server-Timing`) and weigh the `/stats` page.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

import httpx
import redis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from outreach_helper.cache.memory import MemoryStore  # noqa: E402
from outreach_helper.cache.redis_store import RedisStore  # noqa: E402
from outreach_helper.settings import Settings  # noqa: E402
from outreach_helper.stats import history  # noqa: E402
from outreach_helper.stats.recorder import Recorder, batches_of  # noqa: E402
from tests.servers import AppServer, RedisServer  # noqa: E402

PREFIX = "stats-size:"
ROUTES = ["/api/users/{username}", "/api/users/{username}/status", "/api/users",
          "/api/users/{username}/active-staff", "/api/courses/{school}/{title_slug}",
          "/api/courses/{school}/{title_slug}/users"]  # fmt: skip
CACHE = ["outreach-helper; hit", "outreach-helper; hit; fwd=stale",
         "outreach-helper; hit; fwd=stale; detail=stale-if-error",
         "outreach-helper; fwd=miss; stored", None]  # fmt: skip
LATENCIES = [0.0004, 0.0015, 0.004, 0.008, 0.015, 0.04, 0.3, 1.5]


async def busy_minute(recorder: Recorder) -> None:
    for route in ROUTES:
        for status in (200, 304, 404, 503):
            for cache in CACHE:
                for seconds in LATENCIES[:2]:
                    recorder.answer(route, status, cache, seconds)
    for seconds in LATENCIES:
        recorder.answer(ROUTES[0], 200, CACHE[0], seconds)
    for endpoint in ("user_stats", "course", "users"):
        for outcome in ("found", "not_found", "not_modified"):
            await recorder.succeeded(endpoint, outcome=outcome, seconds=0.4)
        for outcome in ("timeout", "unavailable", "bad_response"):
            await recorder.failed(endpoint, "x", outcome=outcome, seconds=2.5)
        await recorder.refused(endpoint)
    for field in ("s|ok", "s|degraded", "s|down", "t|tier_hits"):
        recorder._count(field)
    for gauge in ("g|redis_used_memory", "g|redis_used_memory_rss", "g|redis_maxmemory"):
        recorder._count(gauge, 123_456_789)


async def fill(url: str, now: float) -> int:
    store = RedisStore(url, prefix=PREFIX, timeout=10)
    clock = [0.0]
    recorder = Recorder(MemoryStore(), None, clock=lambda: clock[0])
    first = int(now // 60) * 60 - 8 * 86400
    minutes = 0
    batch: list = []
    for minute in range(first, int(now) + 1, 60):
        clock[0] = minute
        await busy_minute(recorder)
        pending = dict(recorder._pending)  # what a flush would take
        recorder._pending.clear()
        recorder._minute = -1
        for key, ttl, counts in batches_of(pending):
            step = int(key.split(":")[1])
            if minute >= now - history.RESOLUTIONS[step]:
                batch.append((key, ttl, counts))
        minutes += 1
        if len(batch) >= 300:
            await store.add_counts(batch)
            batch = []
    await store.add_counts(batch)
    await store.aclose()
    return minutes


def main() -> None:
    server = RedisServer().start()
    try:
        now = time.time()
        minutes = asyncio.run(fill(server.url, now))
        client = redis.Redis.from_url(server.url)
        by_step: dict[int, list[int]] = {}
        for key in client.scan_iter(match=f"{PREFIX}stats:*", count=1000):
            step = int(key.decode().split(":")[2])
            by_step.setdefault(step, []).append(client.memory_usage(key, samples=0) or 0)
        print(f"\n{minutes} busy minutes written; fields in one minute's hash: "
              f"{client.hlen(f'{PREFIX}stats:60:{int(now // 60) * 60 - 60}')}\n")  # fmt: skip
        print("| resolution | kept | hashes | bytes per hash | bytes held |")
        print("|---|---|---|---|---|")
        total = 0
        for step in sorted(by_step):
            sizes = by_step[step]
            total += sum(sizes)
            print(f"| {step} s | {history.RESOLUTIONS[step] / 3600:g} h | {len(sizes)} "
                  f"| {statistics.median(sizes):.0f} | {sum(sizes)} |")  # fmt: skip
        hourly = sum(by_step.get(3600, [])) / 8
        print(f"\nin all {total} bytes ({total / 1048576:.2f} MiB) at any time; "
              f"{hourly:.0f} bytes per day of the 7-day history, plus the last 2 h at 1 min "
              f"and 25 h at 5 min\n")  # fmt: skip
        settings = Settings(_env_file=None, redis_url=server.url, redis_key_prefix=PREFIX,
                            redis_host=None, outreach_base_url="http://127.0.0.1:9")  # fmt: skip
        with AppServer(settings) as app:
            for range_name in ("1h", "24h", "7d"):
                timings, sizes, pages = [], [], []
                for _ in range(20):
                    answer = httpx.get(f"{app.base_url}/stats.json?range={range_name}")
                    answer.raise_for_status()
                    timings.append(float(answer.headers["server-timing"].split("dur=")[1]))
                    sizes.append(len(answer.content))
                    page = httpx.get(f"{app.base_url}/stats?range={range_name}")
                    pages.append((len(page.content), page.num_bytes_downloaded))
                print(f"/stats.json?range={range_name}: server time median "
                      f"{statistics.median(timings):.1f} ms, max {max(timings):.1f} ms, "
                      f"{sizes[0]} bytes; /stats page {max(pages)[0]} bytes, "
                      f"{max(pages)[1]} gzip-encoded")  # fmt: skip
    finally:
        server.cleanup()


if __name__ == "__main__":
    main()
