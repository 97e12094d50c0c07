"""The upstream marks in every store: memory, Redis (a hash under the prefix, newer times
kept by a Lua script) and the tier in front of Redis (its own marks while Redis fails)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from outreach_helper.cache.memory import MemoryStore
from outreach_helper.cache.redis_store import RedisStore
from outreach_helper.cache.tier import TieredStore
from outreach_helper.cache.upstream_marks import Mark
from outreach_helper.components import build_store
from outreach_helper.settings import Settings
from tests.servers import RedisServer


@pytest.fixture(params=["memory", "redis", "tiered"])
async def store(request: pytest.FixtureRequest, redis_server: RedisServer) -> AsyncIterator:
    prefix = f"marks-{uuid.uuid4().hex}:"
    if request.param == "memory":
        built = MemoryStore()
    elif request.param == "redis":
        built = RedisStore(redis_server.url, prefix=prefix)
    else:
        built = build_store(Settings(redis_url=redis_server.url, redis_key_prefix=prefix))
    yield built
    await built.aclose()


async def test_marks_merge_and_keep_the_newer_times(store) -> None:
    assert await store.read_marks(["user_stats", "course"]) == [Mark(), Mark()]
    await store.record_mark("user_stats", Mark(last_success_at=100.5))
    await store.record_mark("user_stats", Mark(last_failure_at=101.25, last_error="user_stats: x"))
    # A slower worker's older success does not move the mark back.
    await store.record_mark("user_stats", Mark(last_success_at=99.0))
    await store.record_mark("user_stats", Mark(last_failure_at=90, last_error="older"))
    user_stats, course = await store.read_marks(["user_stats", "course"])
    assert user_stats == Mark(100.5, 101.25, "user_stats: x") and user_stats.down
    assert course == Mark()


async def test_in_redis_a_hash_under_the_prefix_with_an_expiry(redis_server: RedisServer) -> None:
    prefix = f"marks-{uuid.uuid4().hex}:"
    store = RedisStore(redis_server.url, prefix=prefix)
    raw = aioredis.Redis.from_url(redis_server.url)
    try:
        await store.record_mark("users", Mark(last_failure_at=5.0, last_error="users: 500"))
        assert await raw.hgetall(f"{prefix}upstream:users") == {
            b"last_failure_at": b"5.0", b"last_error": b"users: 500"
        }
        assert await raw.ttl(f"{prefix}upstream:users") > 86400
    finally:
        await store.aclose()
        await raw.aclose()


async def test_the_tier_keeps_its_own_marks_while_redis_fails() -> None:
    redis_server = RedisServer().start()
    prefix = f"marks-{uuid.uuid4().hex}:"
    settings = Settings(redis_url=redis_server.url, redis_key_prefix=prefix, redis_timeout=0.3,
                        redis_retry_interval=0.2)  # fmt: skip
    one, two = build_store(settings), build_store(settings)
    assert isinstance(one, TieredStore) and isinstance(two, TieredStore)
    try:
        await one.record_mark("course", Mark(last_success_at=10.0))
        assert await two.read_marks(["course"]) == [Mark(last_success_at=10.0)]
        redis_server.stop()
        await one.record_mark("course", Mark(last_failure_at=11.0, last_error="course: 500"))
        assert one.degraded
        assert await one.read_marks(["course"]) == [Mark(10.0, 11.0, "course: 500")]
        assert await two.read_marks(["course"]) == [Mark()]  # it only knows its own
        redis_server.start()
        await asyncio.sleep(0.3)  # past REDIS_RETRY_INTERVAL: both use Redis again
        await two.record_mark("course", Mark(last_success_at=12.0))
        assert not two.degraded
        # Redis's marks, merged with what worker one recorded alone meanwhile.
        assert await one.read_marks(["course"]) == [Mark(12.0, 11.0, "course: 500")]
        assert not one.degraded
        assert await two.read_marks(["course"]) == [Mark(last_success_at=12.0)]
    finally:
        await one.aclose()
        await two.aclose()
        redis_server.cleanup()
