"""SWRCache.get_many: many keys of one kind from one store round trip, each decided alone."""

from __future__ import annotations

import asyncio

from outreach_helper.cache.engine import CacheState, Kind, SWRCache, Windows
from outreach_helper.cache.entry import Entry
from outreach_helper.cache.memory import MemoryStore
from outreach_helper.cache.store import Record
from outreach_helper.dashboard.outcomes import (
    FetchOptions,
    Found,
    NotFound,
    UpstreamBadResponse,
)

KIND = Kind("user", ttl=100, endpoint="user_stats")
WINDOWS = Windows(stale_while_revalidate=1000, stale_if_error=5000, not_found_ttl=10)
NOW = 1_000_000.0


class CountingStore(MemoryStore):
    """The memory store, counting round trips."""

    def __init__(self) -> None:
        super().__init__(clock=lambda: 0.0)
        self.gets = 0
        self.get_manys = 0

    async def read(self, key: str) -> Record:
        self.gets += 1
        return await super().read(key)

    async def read_many(self, keys: list[str]) -> list[Record]:
        self.get_manys += 1
        return [await MemoryStore.read(self, key) for key in keys]

    async def set(self, key: str, entry: Entry, ttl: float) -> None:
        assert await self.write(key, entry, None, ttl)


def fetcher(outcome, calls: list[str], name: str):
    async def fetch(_options: FetchOptions):
        calls.append(name)
        await asyncio.sleep(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    return fetch


async def test_one_round_trip_and_each_key_decided_alone() -> None:
    store = CountingStore()
    cache = SWRCache(store, WINDOWS, foreground_timeout=1.0, clock=lambda: NOW)
    await store.set("user:fresh", Entry(NOW - 10, {"v": "fresh"}), 10_000)
    await store.set("user:stale", Entry(NOW - 200, {"v": "stale"}), 10_000)
    await store.set("user:gone", Entry(NOW - 1, None), 10_000)
    calls: list[str] = []
    names = ["fresh", "stale", "gone", "cold", "broken", "missing"]
    outcomes = {"cold": Found({"v": "cold"}), "broken": UpstreamBadResponse("no"),
                "missing": NotFound()}  # fmt: skip
    fetches = [fetcher(outcomes.get(n, Found({"v": "new"})), calls, n) for n in names]
    results = await cache.get_many(KIND, names, fetches)
    # One round trip decides all six; each of the four fetches (three cold keys and the
    # stale key's refresh) re-reads its own key once it holds the fetch lease.
    assert (store.get_manys, store.gets) == (1, 4)
    fresh, stale, gone, cold, broken, missing = results
    assert (fresh.state, fresh.data) == (CacheState.FRESH, {"v": "fresh"})
    assert (stale.state, stale.data) == (CacheState.STALE, {"v": "stale"})
    assert gone.state == CacheState.FRESH and not gone.found
    assert (cold.state, cold.data) == (CacheState.MISS, {"v": "cold"})
    assert isinstance(broken, UpstreamBadResponse)
    assert missing.state == CacheState.MISS and not missing.found
    await asyncio.sleep(0.01)  # the stale key's background refresh
    assert sorted(calls) == ["broken", "cold", "missing", "stale"]


async def test_all_warm_fetches_nothing() -> None:
    store = CountingStore()
    cache = SWRCache(store, WINDOWS, foreground_timeout=1.0, clock=lambda: NOW)
    names = [f"u{i}" for i in range(50)]
    for name in names:
        await store.set(f"user:{name}", Entry(NOW, {"n": name}), 10_000)
    calls: list[str] = []
    results = await cache.get_many(KIND, names, [fetcher(None, calls, n) for n in names])
    assert [r.data["n"] for r in results] == names
    assert calls == [] and store.get_manys == 1


async def test_empty() -> None:
    cache = SWRCache(CountingStore(), WINDOWS, foreground_timeout=1.0, clock=lambda: NOW)
    assert await cache.get_many(KIND, [], []) == []
