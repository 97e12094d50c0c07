"""The store contract, on the memory store and on a Redis that refuses what Toolforge's
refuses (KEYS, SCAN, FLUSHDB, FLUSHALL, CONFIG)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
import redis as sync_redis

from outreach_helper.cache.backoff import Backoff
from outreach_helper.cache.entry import Entry
from outreach_helper.cache.memory import MemoryStore
from outreach_helper.cache.meta import Meta
from outreach_helper.cache.redis_store import RedisStore
from outreach_helper.cache.store import Store
from tests.servers import RedisServer

META = Meta(etag='W/"abc"', duration=0.25)


@pytest.fixture
def prefix() -> str:
    return f"test-{uuid.uuid4().hex}:"


@pytest.fixture(params=["memory", "redis"])
async def store(
    request: pytest.FixtureRequest, toolforge_redis: RedisServer, prefix: str
) -> AsyncIterator[Store]:
    made: Store = (
        MemoryStore() if request.param == "memory"
        else RedisStore(toolforge_redis.url, prefix=prefix)
    )  # fmt: skip
    yield made
    await made.aclose()


@pytest.fixture
def raw(toolforge_redis: RedisServer) -> sync_redis.Redis:
    return sync_redis.Redis.from_url(toolforge_redis.url)


async def test_only_a_newer_entry_is_written(store: Store) -> None:
    assert await store.write("user:a", Entry(10.0, {"v": 1}), META, 100)
    assert not await store.write("user:a", Entry(5.0, {"v": 0}), None, 100)
    assert not await store.write("user:a", Entry(10.0, {"v": 2}), None, 100)
    record = await store.read("user:a")
    assert (record.entry, record.meta) == (Entry(10.0, {"v": 1}), META)
    assert await store.write("user:a", Entry(10.5, None), None, 100)
    record = await store.read("user:a")
    assert (record.entry, record.meta) == (Entry(10.5, None), None)


async def test_a_malformed_entry_is_a_miss_and_is_overwritten(
    raw: sync_redis.Redis, prefix: str
) -> None:
    store = RedisStore(_url(raw), prefix=prefix)
    raw.set(prefix + "user:a", b"not json", px=10_000)
    assert (await store.read("user:a")).entry is None
    assert await store.write("user:a", Entry(1.0, {"v": 1}), None, 100)
    assert (await store.read("user:a")).entry == Entry(1.0, {"v": 1})
    await store.aclose()


def _url(raw: sync_redis.Redis) -> str:
    kwargs = raw.connection_pool.connection_kwargs
    return f"redis://{kwargs['host']}:{kwargs['port']}/0"


async def test_leases_belong_to_their_owner(store: Store) -> None:
    assert await store.acquire_lease("user:a", "one", 10)
    assert not await store.acquire_lease("user:a", "two", 10)
    assert not await store.renew_lease("user:a", "two", 10)
    await store.release_lease("user:a", "two")  # not the owner: nothing happens
    assert (await store.read("user:a")).leased
    assert await store.renew_lease("user:a", "one", 10)
    await store.release_lease("user:a", "one")
    assert not (await store.read("user:a")).leased
    assert await store.acquire_lease("user:a", "two", 10)


async def test_a_lease_lapses_by_itself(store: Store) -> None:
    assert await store.acquire_lease("user:a", "one", 0.1)
    for _ in range(100):
        if not (await store.read("user:a")).leased:
            break
        await asyncio.sleep(0.02)
    assert await store.acquire_lease("user:a", "two", 10)
    assert not await store.renew_lease("user:a", "one", 10)


async def test_backoff_records_and_delete(store: Store) -> None:
    backoff = Backoff(2, 1.0, 5.0, 503, "refused")
    await store.write("user:a", Entry(1.0, {"v": 1}), META, 100)
    await store.set_backoff("user:a", backoff, 100)
    assert (await store.read("user:a")).backoff == backoff
    await store.clear_backoff("user:a")
    assert (await store.read("user:a")).backoff is None
    await store.set_backoff("user:a", backoff, 100)
    await store.delete("user:a")
    record = await store.read("user:a")
    assert (record.entry, record.meta, record.backoff) == (None, None, None)


async def test_purge_forgets_entries_and_meta_but_not_leases(store: Store) -> None:
    for n in range(1200):  # more than one purge chunk
        await store.write(f"user:u{n}", Entry(1.0, {"n": n}), META, 100)
    await store.acquire_lease("user:u0", "owner", 10)
    assert await store.purge() == 2400
    assert await store.get_many([f"user:u{n}" for n in range(1200)]) == [None] * 1200
    assert (await store.read("user:u7")).meta is None
    assert (await store.read("user:u0")).leased
    assert await store.purge() == 0
    # Written again after a purge, an entry is purged by the next one.
    await store.write("user:u1", Entry(2.0, {}), None, 100)
    assert await store.purge() == 1  # no meta this time


async def test_every_redis_key_expires_and_purge_needs_no_keys_or_scan(
    raw: sync_redis.Redis, prefix: str
) -> None:
    store = RedisStore(_url(raw), prefix=prefix)
    with pytest.raises(sync_redis.ResponseError):
        raw.keys("*")  # this Redis refuses it, like Toolforge's
    await store.write("user:a", Entry(1.0, {"v": 1}), META, 50)
    await store.write("course:S/T", Entry(1.0, {"v": 1}), None, 200)
    await store.set_backoff("user:b", Backoff(1, 1, 2, 502, "x"), 30)
    await store.acquire_lease("user:c", "owner", 10)
    names = ["user:a", "meta:user:a", "course:S/T", "index", "backoff:user:b", "lease:user:c"]
    ttls = {name: raw.pttl(prefix + name) for name in names}
    assert all(ttl > 0 for ttl in ttls.values()), ttls
    assert ttls["index"] >= ttls["course:S/T"] - 1000  # outlives its longest member
    assert raw.zcard(prefix + "index") == 4  # two entries and their meta keys
    await store.purge()
    assert raw.exists(*(prefix + name for name in names[:4])) == 0
    await store.aclose()
