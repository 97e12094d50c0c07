"""The stale-while-revalidate engine over the real memory store, with scripted fetches."""

from __future__ import annotations

import asyncio

import pytest

from outreach_helper.cache.backoff import BackoffPolicy
from outreach_helper.cache.engine import CacheState, Kind, Policy, SWRCache, Windows
from outreach_helper.cache.entry import Entry
from outreach_helper.cache.memory import MemoryStore
from outreach_helper.dashboard.outcomes import (
    FetchOptions,
    Found,
    NotFound,
    NotModified,
    UpstreamBadResponse,
    UpstreamTimeout,
    UpstreamUnavailable,
    Validators,
)

KIND = Kind("user", ttl=100, endpoint="user_stats")
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
        self.options: list[FetchOptions] = []

    async def __call__(self, options: FetchOptions):
        self.calls += 1
        self.options.append(options)
        await asyncio.sleep(self.delay)
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


@pytest.fixture
def clock() -> Clock:
    return Clock()


# Deterministic randomness: backoff delays are half their ceiling, no early refresh
# (u = 1 - 0.5, far from expiry), no expiry jitter.
POLICY = Policy(backoff=BackoffPolicy(base=10, cap=60), expiry_jitter=0.0)


@pytest.fixture
def cache(clock: Clock) -> SWRCache:
    return SWRCache(
        MemoryStore(clock=clock), WINDOWS, foreground_timeout=1.0, policy=POLICY,
        clock=clock, rand=lambda: 0.5,
    )  # fmt: skip


async def settle(cache: SWRCache) -> None:
    for _ in range(200):
        if cache.in_flight == 0:
            return
        await asyncio.sleep(0.005)
    raise AssertionError("background work did not finish")


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


async def test_only_background_refreshes_are_marked_retryable(
    cache: SWRCache, clock: Clock
) -> None:
    upstream = Upstream()
    await cache.get(KIND, "a", upstream)
    clock.now += 150
    await cache.get(KIND, "a", upstream)
    await settle(cache)
    assert [o.background for o in upstream.options] == [False, True]


async def test_a_failed_refresh_backs_off_then_tries_again(cache: SWRCache, clock: Clock) -> None:
    await cache.get(KIND, "a", Upstream())
    clock.now += 150
    failing = Upstream(UpstreamBadResponse("500"))
    assert (await cache.get(KIND, "a", failing)).state is CacheState.STALE
    await settle(cache)
    # First failure: delay = 0.5 * min(60, 10) = 5 s. Meanwhile stale, marked as an error.
    for _ in range(20):
        lookup = await cache.get(KIND, "a", failing)
        assert (lookup.state, lookup.data) == (CacheState.STALE_IF_ERROR, {"v": 1})
    await settle(cache)
    assert failing.calls == 1
    clock.now += 5
    await cache.get(KIND, "a", failing)
    await settle(cache)
    assert failing.calls == 2
    # Second failure: 0.5 * 20 = 10 s.
    clock.now += 9.9
    await cache.get(KIND, "a", failing)
    await settle(cache)
    assert failing.calls == 2
    clock.now += 0.1
    healed = Upstream(Found({"v": 2}))
    await cache.get(KIND, "a", healed)
    await settle(cache)
    assert healed.calls == 1
    lookup = await cache.get(KIND, "a", healed)
    assert (lookup.state, lookup.data) == (CacheState.FRESH, {"v": 2})
    assert (await cache.store.read("user:a")).backoff is None


async def test_with_nothing_cached_the_failure_is_replayed_while_backing_off(
    cache: SWRCache, clock: Clock
) -> None:
    failing = Upstream(UpstreamUnavailable("refused"))
    with pytest.raises(UpstreamUnavailable):
        await cache.get(KIND, "a", failing)
    # A cold key's first failure is not replayed (the Dashboard may be back already) ...
    with pytest.raises(UpstreamUnavailable):
        await cache.get(KIND, "a", failing)
    assert failing.calls == 2
    # ... its second one is.
    with pytest.raises(UpstreamUnavailable) as replayed:
        await cache.get(KIND, "a", failing)
    assert failing.calls == 2
    assert replayed.value.detail == "refused" and replayed.value.retry_after is not None
    clock.now += replayed.value.retry_after
    with pytest.raises(UpstreamUnavailable):
        await cache.get(KIND, "a", failing)
    assert failing.calls == 3


async def test_revalidation_extends_freshness_without_a_download(
    cache: SWRCache, clock: Clock
) -> None:
    first = await cache.get(KIND, "a", Upstream(Found({"v": 1}, Validators(etag='W/"1"'))))
    clock.now += 150
    unchanged = Upstream(NotModified())
    assert (await cache.get(KIND, "a", unchanged)).state is CacheState.STALE
    await settle(cache)
    assert unchanged.options[0].validators == Validators(etag='W/"1"')
    lookup = await cache.get(KIND, "a", unchanged)
    assert (lookup.state, lookup.data) == (CacheState.FRESH, {"v": 1})
    assert lookup.entry.fetched_at == first.entry.fetched_at + 150
    # The validators are kept for the next revalidation.
    clock.now += 150
    await cache.get(KIND, "a", unchanged)
    await settle(cache)
    assert unchanged.options[1].validators == Validators(etag='W/"1"')


async def test_without_validators_the_refresh_is_unconditional(
    cache: SWRCache, clock: Clock
) -> None:
    await cache.get(KIND, "a", Upstream(Found({"v": 1})))
    clock.now += 150
    refresh = Upstream(Found({"v": 2}))
    await cache.get(KIND, "a", refresh)
    await settle(cache)
    assert refresh.options[0].validators is None


async def test_a_slow_fetch_does_not_overwrite_a_newer_entry(cache: SWRCache, clock: Clock) -> None:
    slow = Upstream(Found({"v": "old"}), delay=0.2)
    task = asyncio.create_task(cache.get(KIND, "a", slow))
    await asyncio.sleep(0.05)
    # Meanwhile another worker (whose lease this one could not see) wrote a newer entry.
    clock.now += 1
    assert await cache.store.write("user:a", Entry(clock.now, {"v": "new"}), None, 1000)
    lookup = await task
    assert lookup.data == {"v": "new"}
    assert (await cache.store.read("user:a")).entry == Entry(clock.now, {"v": "new"})


async def test_hot_keys_are_refreshed_early(clock: Clock) -> None:
    eager = SWRCache(MemoryStore(clock=clock), WINDOWS, foreground_timeout=1.0,
                     policy=POLICY, clock=clock, rand=lambda: 0.99)  # fmt: skip
    upstream = Upstream(delay=0.01)
    await eager.get(KIND, "a", upstream)
    # ln(1 - 0.99) * duration: a few hundredths of a second before expiry at most.
    clock.now += 50
    assert (await eager.get(KIND, "a", upstream)).state is CacheState.FRESH
    await settle(eager)
    assert upstream.calls == 1
    clock.now += 50 - 0.01
    assert (await eager.get(KIND, "a", upstream)).state is CacheState.FRESH
    await settle(eager)
    assert upstream.calls == 2 and upstream.options[1].background


async def test_invalidate_and_purge(cache: SWRCache) -> None:
    upstream = Upstream()
    for ident in ("a", "b", "c"):
        await cache.get(KIND, ident, upstream)
    await cache.invalidate(KIND, "a")
    assert (await cache.get(KIND, "a", upstream)).state is CacheState.MISS
    assert await cache.purge_all() >= 3
    assert await cache.peek_many(KIND, ["a", "b", "c"]) == [None, None, None]


async def test_negative_entries_expire_with_jitter(clock: Clock) -> None:
    values = iter([0.0, 0.999])
    store = MemoryStore(clock=clock)
    jittery = SWRCache(store, WINDOWS, foreground_timeout=1.0,
                       policy=Policy(expiry_jitter=0.1), clock=clock,
                       rand=lambda: next(values, 0.5))  # fmt: skip
    await jittery.get(KIND, "x", Upstream(NotFound()))
    await jittery.get(KIND, "y", Upstream(NotFound()))
    clock.now += 9.5  # x kept 10 s, y about 9.001 s
    assert (await store.read("user:x")).entry is not None
    assert (await store.read("user:y")).entry is None
