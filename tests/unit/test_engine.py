"""The stale-while-revalidate engine over the real memory store, with scripted fetches."""

from __future__ import annotations

import asyncio

import pytest

from outreach_helper.cache.engine import CacheState, Kind, SWRCache, Windows
from outreach_helper.cache.memory import MemoryStore
from outreach_helper.dashboard.outcomes import (
    Found,
    NotFound,
    UpstreamBadResponse,
    UpstreamTimeout,
)

KIND = Kind("user", ttl=100)
WINDOWS = Windows(stale_while_revalidate=1000, stale_if_error=5000, not_found_ttl=10)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


class Upstream:
    """Counts calls; answers with whatever `result` is (or raises it), after `delay`."""

    def __init__(self, result: object = None, delay: float = 0.0) -> None:
        self.calls = 0
        self.result = result if result is not None else Found({"v": 1})
        self.delay = delay

    async def __call__(self, options=None):
        self.calls += 1
        await asyncio.sleep(self.delay)
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def cache(clock: Clock) -> SWRCache:
    return SWRCache(MemoryStore(), WINDOWS, foreground_timeout=1.0, clock=clock)


async def test_miss_then_fresh(cache: SWRCache) -> None:
    upstream = Upstream()
    first = await cache.get(KIND, "a", upstream)
    second = await cache.get(KIND, "a", upstream)
    assert (first.state, second.state) == (CacheState.MISS, CacheState.FRESH)
    assert second.data == {"v": 1}
    assert upstream.calls == 1


async def test_concurrent_misses_share_one_fetch(cache: SWRCache) -> None:
    upstream = Upstream(delay=0.05)
    lookups = await asyncio.gather(*(cache.get(KIND, "a", upstream) for _ in range(50)))
    assert upstream.calls == 1
    assert {lookup.data["v"] for lookup in lookups} == {1}


async def test_stale_is_served_at_once_and_refreshed_once(cache: SWRCache, clock: Clock) -> None:
    await cache.get(KIND, "a", Upstream())
    clock.now += 150
    refresh = Upstream(Found({"v": 2}), delay=0.05)
    lookups = await asyncio.gather(*(cache.get(KIND, "a", refresh) for _ in range(10)))
    assert {lookup.state for lookup in lookups} == {CacheState.STALE}
    assert {lookup.data["v"] for lookup in lookups} == {1}
    await asyncio.sleep(0.1)
    assert refresh.calls == 1
    assert (await cache.get(KIND, "a", refresh)).data == {"v": 2}


async def test_too_old_is_fetched_in_foreground(cache: SWRCache, clock: Clock) -> None:
    await cache.get(KIND, "a", Upstream())
    clock.now += 100 + 1000 + 1
    lookup = await cache.get(KIND, "a", Upstream(Found({"v": 3})))
    assert (lookup.state, lookup.data) == (CacheState.MISS, {"v": 3})


async def test_stale_if_error_then_gives_up(cache: SWRCache, clock: Clock) -> None:
    await cache.get(KIND, "a", Upstream())
    failing = Upstream(UpstreamBadResponse("500"))
    clock.now += 100 + 2000
    lookup = await cache.get(KIND, "a", failing)
    assert (lookup.state, lookup.data) == (CacheState.STALE_IF_ERROR, {"v": 1})
    clock.now += 5000
    with pytest.raises(UpstreamBadResponse):
        await cache.get(KIND, "a", failing)


async def test_failed_refresh_keeps_the_good_entry(cache: SWRCache, clock: Clock) -> None:
    await cache.get(KIND, "a", Upstream())
    clock.now += 150
    failing = Upstream(UpstreamBadResponse("500"))
    assert (await cache.get(KIND, "a", failing)).state is CacheState.STALE
    await asyncio.sleep(0.01)
    assert failing.calls == 1
    entry = (await cache.peek_many(KIND, ["a"]))[0]
    assert entry is not None and entry.data == {"v": 1}


async def test_not_found_is_remembered_for_its_ttl(cache: SWRCache, clock: Clock) -> None:
    upstream = Upstream(NotFound())
    assert not (await cache.get(KIND, "x", upstream)).found
    assert not (await cache.get(KIND, "x", upstream)).found
    assert upstream.calls == 1
    clock.now += 11
    await cache.get(KIND, "x", upstream)
    assert upstream.calls == 2


async def test_failure_with_nothing_cached_raises(cache: SWRCache) -> None:
    with pytest.raises(UpstreamBadResponse):
        await cache.get(KIND, "a", Upstream(UpstreamBadResponse("boom")))


async def test_slow_fetch_times_out_for_the_caller_but_fills_the_cache(clock: Clock) -> None:
    cache = SWRCache(MemoryStore(), WINDOWS, foreground_timeout=0.05, clock=clock)
    slow = Upstream(Found({"v": 9}), delay=0.2)
    with pytest.raises(UpstreamTimeout):
        await cache.get(KIND, "a", slow)
    await asyncio.sleep(0.3)
    lookup = await cache.get(KIND, "a", slow)
    assert (lookup.state, lookup.data, slow.calls) == (CacheState.FRESH, {"v": 9}, 1)
