"""The shared store: Redis, with every key under a prefix and every key with an expiry."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import TypeVar

import redis.asyncio as redis
from redis.exceptions import RedisError

from outreach_helper.cache.entry import Entry
from outreach_helper.cache.store import StoreError

log = logging.getLogger(__name__)
T = TypeVar("T")


class RedisStore:
    """Every command is bounded by `timeout`, so a hung Redis cannot hang a request."""

    name = "redis"

    def __init__(self, url: str, *, prefix: str, timeout: float = 1.0):
        self._prefix = prefix
        self._timeout = timeout
        self._redis = redis.Redis.from_url(
            url,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            health_check_interval=30,
        )

    def _key(self, key: str) -> str:
        return self._prefix + key

    async def _call(self, awaitable: Awaitable[T]) -> T:
        try:
            async with asyncio.timeout(self._timeout):
                return await awaitable
        except (RedisError, OSError, TimeoutError) as error:
            raise StoreError(f"redis: {type(error).__name__}: {error}") from error

    @staticmethod
    def _decode(raw: bytes | None) -> Entry | None:
        if raw is None:
            return None
        try:
            return Entry.from_json(raw)
        except ValueError:
            log.warning("ignoring a malformed cache entry")
            return None

    async def get(self, key: str) -> Entry | None:
        return self._decode(await self._call(self._redis.get(self._key(key))))

    async def get_many(self, keys: list[str]) -> list[Entry | None]:
        if not keys:
            return []
        raws = await self._call(self._redis.mget([self._key(k) for k in keys]))
        return [self._decode(raw) for raw in raws]

    async def set(self, key: str, entry: Entry, ttl: float) -> None:
        await self._call(
            self._redis.set(self._key(key), entry.to_json(), px=max(1, int(ttl * 1000)))
        )

    async def delete(self, key: str) -> None:
        await self._call(self._redis.delete(self._key(key)))

    async def ping(self) -> None:
        await self._call(self._redis.ping())

    async def aclose(self) -> None:
        await self._redis.aclose()
