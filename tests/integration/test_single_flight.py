"""Single flight across workers through the windows that once let a second fetch through:
two SWRCaches ("workers"), each with its own tier, over one real Redis of the test's own.

Each test opens its window on purpose (a Redis blip just before the cold requests, a
lease that lapses during a slow fetch), so it fails every time the window is open.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable

import pytest

from outreach_helper.cache.engine import Kind, Policy, SWRCache, Windows
from outreach_helper.cache.tier import TieredStore
from outreach_helper.components import build_store
from outreach_helper.dashboard.outcomes import FetchOptions, Found
from outreach_helper.settings import Settings
from tests.servers import RedisServer

USER = Kind("user", 3600, "user_stats")
WINDOWS = Windows(stale_while_revalidate=86400, stale_if_error=86400, not_found_ttl=600)
REDIS_TIMEOUT = 0.2


@pytest.fixture
async def workers(own_redis: RedisServer) -> AsyncIterator[Callable[..., SWRCache]]:
    prefix = f"single-flight-{uuid.uuid4().hex}:"
    built: list[SWRCache] = []

    def build(lease_ttl: float = 10.0) -> SWRCache:
        settings = Settings(
            redis_url=own_redis.url, redis_key_prefix=prefix, redis_timeout=REDIS_TIMEOUT
        )
        store = build_store(settings)
        assert isinstance(store, TieredStore)
        cache = SWRCache(
            store, WINDOWS, foreground_timeout=10, policy=Policy(lease_ttl=lease_ttl)
        )
        built.append(cache)
        return cache

    yield build
    for cache in built:
        await cache.aclose()
        await cache.store.aclose()


class Upstream:
    """A fetch that takes `latency` seconds and counts how often it ran."""

    def __init__(self, latency: float) -> None:
        self.latency = latency
        self.calls = 0

    async def __call__(self, _: FetchOptions) -> Found:
        self.calls += 1
        await asyncio.sleep(self.latency)
        return Found({"courses": [], "fetched": self.calls}, None)


@contextlib.asynccontextmanager
async def redis_paused(redis: RedisServer) -> AsyncIterator[None]:
    redis.pause()
    try:
        yield
    finally:
        redis.resume()


async def blip(redis: RedisServer, worker: SWRCache) -> None:
    """One Redis command of `worker` times out (Redis stalled a moment), then Redis is fine."""
    async with redis_paused(redis):
        await worker.store.read("user:someone else")
    assert worker.store.degraded  # the tier noticed, and would use its outage store


async def test_a_redis_blip_in_one_worker_does_not_let_it_fetch_on_its_own(
    workers, own_redis: RedisServer
) -> None:
    one, two = workers(), workers()
    await blip(own_redis, two)
    upstream = Upstream(latency=0.3)
    lookups = await asyncio.gather(
        *(w.get(USER, "Cold Reader", upstream) for w in [one, two] * 25)
    )
    assert upstream.calls == 1
    assert {lookup.entry.fetched_at for lookup in lookups} == {lookups[0].entry.fetched_at}


async def test_after_a_blip_a_worker_arriving_late_reads_the_entry_from_redis(
    workers, own_redis: RedisServer
) -> None:
    one, two = workers(), workers()
    upstream = Upstream(latency=0.3)
    first = await one.get(USER, "Cold Reader", upstream)
    await blip(own_redis, two)
    later = await two.get(USER, "Cold Reader", upstream)
    assert upstream.calls == 1
    assert later.entry == first.entry


async def test_a_lease_that_lapsed_while_redis_stalled_is_taken_back(
    workers, own_redis: RedisServer
) -> None:
    """The holder's renewal fails during a stall longer than the lease: it must take the
    lease back when Redis answers again, or another worker fetches a second time."""
    lease_ttl = 0.6
    one, two = workers(lease_ttl), workers(lease_ttl)
    slow = Upstream(latency=2.5)
    fetching = asyncio.create_task(one.get(USER, "Slow Reader", slow))
    await asyncio.sleep(0.1)  # one holds the lease and is fetching
    async with redis_paused(own_redis):
        await asyncio.sleep(lease_ttl + 0.2)  # a renewal times out; the lease lapses
    await asyncio.sleep(lease_ttl)  # renewals resume (or do not)
    waiting = await two.get(USER, "Slow Reader", slow)
    assert slow.calls == 1
    assert waiting.entry == (await fetching).entry


