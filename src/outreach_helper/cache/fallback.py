"""Redis first, the in-process memory store while Redis is unreachable.

After a Redis failure the memory store answers for `retry_interval` seconds before Redis
is tried again, so a dead Redis costs one bounded timeout per interval, not one per
request; when Redis answers again it is used again, without a restart.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from outreach_helper import metrics
from outreach_helper.cache.backoff import Backoff
from outreach_helper.cache.entry import Entry
from outreach_helper.cache.meta import Meta
from outreach_helper.cache.store import Record, Store, StoreError

log = logging.getLogger(__name__)
T = TypeVar("T")


class FallbackStore:
    """A Store that never raises StoreError: it degrades to `fallback` instead."""

    def __init__(
        self,
        primary: Store,
        fallback: Store,
        *,
        retry_interval: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.primary = primary
        self.fallback = fallback
        self.name = primary.name
        self._retry_interval = retry_interval
        self._clock = clock
        self._retry_at = 0.0
        self.last_error: str | None = None

    @property
    def degraded(self) -> bool:
        return self.last_error is not None

    async def _run(self, call: Callable[[Store], Awaitable[T]]) -> T:
        """`call` on Redis, or on the memory store while Redis is failing."""
        if self.degraded and self._clock() < self._retry_at:
            return await call(self.fallback)
        try:
            result = await call(self.primary)
        except StoreError as error:
            metrics.redis_errors.inc()
            if not self.degraded:
                log.warning("%s unavailable, using the memory store: %s", self.name, error)
            self.last_error = str(error)
            self._retry_at = self._clock() + self._retry_interval
            return await call(self.fallback)
        if self.degraded:
            log.warning("%s is back", self.name)
            self.last_error = None
        return result

    async def read(self, key: str) -> Record:
        return await self._run(lambda s: s.read(key))

    async def read_many(self, keys: list[str]) -> list[Record]:
        return await self._run(lambda s: s.read_many(keys))

    async def get_many(self, keys: list[str]) -> list[Entry | None]:
        return await self._run(lambda s: s.get_many(keys))

    async def write(self, key: str, entry: Entry, meta: Meta | None, ttl: float) -> bool:
        return await self._run(lambda s: s.write(key, entry, meta, ttl))

    async def delete(self, key: str) -> None:
        # Delete everywhere: an entry written to memory during an outage must go too.
        await self.fallback.delete(key)
        await self._run(lambda s: s.delete(key))

    async def set_backoff(self, key: str, backoff: Backoff, ttl: float) -> None:
        await self._run(lambda s: s.set_backoff(key, backoff, ttl))

    async def clear_backoff(self, key: str) -> None:
        await self.fallback.clear_backoff(key)
        await self._run(lambda s: s.clear_backoff(key))

    async def acquire_lease(self, key: str, token: str, ttl: float) -> bool:
        return await self._run(lambda s: s.acquire_lease(key, token, ttl))

    async def renew_lease(self, key: str, token: str, ttl: float) -> bool:
        return await self._run(lambda s: s.renew_lease(key, token, ttl))

    async def release_lease(self, key: str, token: str) -> None:
        # Both: the lease may have been taken in either, before or during an outage.
        await self.fallback.release_lease(key, token)
        await self._run(lambda s: s.release_lease(key, token))

    async def purge(self) -> int:
        """Purge both stores. Unlike every other method this raises StoreError when Redis
        cannot be reached: whoever asked for a purge must know it did not happen."""
        purged = await self.fallback.purge()
        return purged + await self.primary.purge()

    async def ping(self) -> None:
        """Check the primary now (for /health), recording the outcome."""
        await self._run(lambda s: s.ping())
        if self.degraded:
            raise StoreError(self.last_error or "unavailable")

    async def aclose(self) -> None:
        await self.primary.aclose()
        await self.fallback.aclose()
