"""The tier's rules (`cache/tier.py`), two TieredStores ("workers") over a real Redis."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable

import pytest
import redis.asyncio as aioredis

from outreach_helper.cache.backoff import Backoff
from outreach_helper.cache.engine import CacheState, Kind, SWRCache, Windows
from outreach_helper.cache.entry import Entry
from outreach_helper.cache.tier import TieredStore
from outreach_helper.components import build_store
from outreach_helper.dashboard.outcomes import NotFound
from outreach_helper.settings import Settings
from tests.servers import RedisServer, wait_until

KEY = "user:Ada Example"


@pytest.fixture
async def workers(
    redis_server: RedisServer,
) -> AsyncIterator[Callable[..., TieredStore]]:
    prefix = f"tier-store-{uuid.uuid4().hex}:"
    built: list[TieredStore] = []

    def build(**overrides: object) -> TieredStore:
        settings = Settings(redis_url=redis_server.url, redis_key_prefix=prefix, **overrides)
        store = build_store(settings)
        assert isinstance(store, TieredStore)
        built.append(store)
        return store

    yield build
    for store in built:
        await store.aclose()


async def _subscribed(*stores: TieredStore) -> None:
    for store in stores:
        await store.ping()  # starts listening
    await wait_until(lambda: all(s._invalidations.subscribed for s in stores))


async def test_a_copy_is_used_without_redis_until_the_recheck(workers) -> None:
    one = workers(tier_recheck_interval=60)
    await one.write(KEY, Entry(time.time(), {"v": 1}), None, 3600)
    # Gone from Redis behind the tier's back (eviction): the copy is still current.
    await one.shared._redis.delete(one.shared._key(KEY))
    assert (await one.read(KEY)).entry.data == {"v": 1}
    assert one.current(KEY) is not None


async def test_an_absent_key_is_not_a_deletion_and_the_newer_copy_wins(workers) -> None:
    one = workers(tier_recheck_interval=0.05)
    newer = Entry(time.time(), {"v": 2})
    await one.write(KEY, newer, None, 3600)
    await one.shared._redis.delete(one.shared._key(KEY))  # evicted
    await asyncio.sleep(0.1)
    assert (await one.read(KEY)).entry == newer  # re-read from Redis, copy kept
    # An older entry in Redis (another worker's, before an outage) does not replace it.
    await one.shared.write(KEY, Entry(newer.fetched_at - 10, {"v": 1}), None, 3600)
    await asyncio.sleep(0.1)
    assert (await one.read(KEY)).entry == newer


async def test_another_workers_write_and_delete_reach_the_copy(workers) -> None:
    one, two = workers(tier_recheck_interval=60), workers(tier_recheck_interval=60)
    await _subscribed(one, two)
    first = Entry(time.time(), {"v": 1})
    await one.write(KEY, first, None, 3600)
    assert (await two.read(KEY)).entry == first
    second = Entry(first.fetched_at + 1, {"v": 2})
    await one.write(KEY, second, None, 3600)
    await wait_until(lambda: two.current(KEY) is None)  # invalidated: re-read next time
    assert (await two.read(KEY)).entry == second
    await one.delete(KEY)
    await wait_until(lambda: len(two) == 0)
    assert (await two.read(KEY)).entry is None


async def test_a_missed_delete_is_caught_by_the_generation(workers) -> None:
    one = workers(tier_recheck_interval=0.05)
    await one.ping()
    await one.write(KEY, Entry(time.time(), {"v": 1}), None, 3600)
    await one.write("user:Other", Entry(time.time(), {"v": 1}), None, 3600)
    await one.read(KEY)  # learns the generation
    # A third party deletes without telling anyone (its message is lost).
    other = workers()
    await other.shared.delete(KEY)
    await asyncio.sleep(0.1)
    assert (await one.read(KEY)).entry is None
    assert one.current("user:Other") is None  # every copy dropped


async def test_a_leased_key_is_read_from_redis(workers) -> None:
    one, two = workers(tier_recheck_interval=60), workers(tier_recheck_interval=60)
    first = Entry(time.time(), {"v": 1})
    await one.write(KEY, first, None, 3600)
    assert (await two.read(KEY)).entry == first
    assert await one.acquire_lease(KEY, "one", 10)
    assert not await two.acquire_lease(KEY, "two", 10)  # two now waits for one's fetch
    # Written without an invalidation reaching two (as if lost): two still sees it,
    # because a key under a lease is never answered from the copy.
    await one.shared.write(KEY, Entry(first.fetched_at + 1, {"v": 2}), None, 3600)
    assert (await two.read(KEY)).entry.data == {"v": 2}


async def test_redis_down_the_copies_answer_and_writes_stay_local(
    workers, redis_server: RedisServer
) -> None:
    one = workers(tier_recheck_interval=0.01, redis_timeout=0.2, redis_retry_interval=60)
    first = Entry(time.time(), {"v": 1})
    await one.write(KEY, first, None, 3600)
    # Point the store at a port nobody listens on: Redis is "down" for this worker.
    dead = aioredis.Redis.from_url("redis://127.0.0.1:9/0", socket_connect_timeout=0.2)
    one.shared._redis = dead
    await asyncio.sleep(0.02)
    assert (await one.read(KEY)).entry == first
    assert one.degraded
    cold = Entry(time.time(), {"v": "fetched during the outage"})
    assert await one.write("user:Cold", cold, None, 3600)
    assert (await one.read("user:Cold")).entry == cold
    assert await one.acquire_lease("user:Cold", "t", 10)  # in this process's memory
    await dead.aclose()


async def test_read_shared_asks_redis_even_for_a_trusted_copy(workers) -> None:
    one, two = workers(tier_recheck_interval=60), workers(tier_recheck_interval=60)
    await _subscribed(one, two)
    first = Entry(time.time(), {"v": 1})
    await one.shared.write(KEY, first, None, 3600)  # no invalidations in this test
    assert (await two.read(KEY)).entry == first
    # Written without an invalidation reaching two (as if lost).
    await one.shared.write(KEY, Entry(first.fetched_at + 1, {"v": 2}), None, 3600)
    assert (await two.read(KEY)).entry == first  # the copy, trusted for a minute
    assert (await two.read_shared(KEY)).entry.data == {"v": 2}
    assert (await two.read(KEY)).entry.data == {"v": 2}  # and the copy replaced


async def test_a_remembered_failure_is_not_answered_when_another_worker_has_fetched(
    workers,
) -> None:
    """Worker two's copy says "backing off, nothing usable"; worker one has since stored a
    fresh answer (a remembered 404) whose invalidation never reached two: two answers it,
    with no fetch, instead of replaying the failure as a 503 (found by the chaos soak)."""
    one, two = workers(tier_recheck_interval=60), workers(tier_recheck_interval=60)
    await _subscribed(one, two)
    kind = Kind("user", ttl=3600, endpoint="user_stats")
    windows = Windows(stale_while_revalidate=60, stale_if_error=600, not_found_ttl=300)
    now = time.time()
    await two.write(KEY, Entry(now - 400, None), None, 3600)  # a 404, past its window
    await two.set_backoff(KEY, Backoff(2, now - 1, now + 30, 503, "down"), 60)
    assert (await two.read(KEY)).backoff is not None  # two's copy, trusted for a minute
    await one.shared.write(KEY, Entry(now, None), None, 3600)
    await one.shared.clear_backoff(KEY)
    fetches: list[object] = []

    async def fetch(options: object) -> NotFound:
        fetches.append(options)
        return NotFound()

    cache = SWRCache(two, windows, foreground_timeout=5)
    try:
        lookup = await cache.get(kind, "Ada Example", fetch)
    finally:
        await cache.aclose()
    assert lookup.state is CacheState.FRESH and lookup.entry.fetched_at == now
    assert fetches == []
