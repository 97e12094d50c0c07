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

from outreach_helper.cache.entry import Entry
from outreach_helper.cache.store import Store, StoreError

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

    async def _run(
        self,
        on_primary: Callable[[Store], Awaitable[T]],
        on_fallback: Callable[[Store], Awaitable[T]],
    ) -> T:
        if self.degraded and self._clock() < self._retry_at:
            return await on_fallback(self.fallback)
        try:
            result = await on_primary(self.primary)
        except StoreError as error:
            if not self.degraded:
                log.warning("%s unavailable, using the memory store: %s", self.name, error)
            self.last_error = str(error)
            self._retry_at = self._clock() + self._retry_interval
            return await on_fallback(self.fallback)
        if self.degraded:
            log.warning("%s is back", self.name)
            self.last_error = None
        return result

    async def get(self, key: str) -> Entry | None:
        return await self._run(lambda s: s.get(key), lambda s: s.get(key))

    async def get_many(self, keys: list[str]) -> list[Entry | None]:
        return await self._run(lambda s: s.get_many(keys), lambda s: s.get_many(keys))

    async def set(self, key: str, entry: Entry, ttl: float) -> None:
        await self._run(lambda s: s.set(key, entry, ttl), lambda s: s.set(key, entry, ttl))

    async def delete(self, key: str) -> None:
        # Delete everywhere: an entry written to memory during an outage must go too.
        await self.fallback.delete(key)
        await self._run(lambda s: s.delete(key), lambda s: s.delete(key))

    async def ping(self) -> None:
        """Check the primary now (for /health), recording the outcome."""
        await self._run(lambda s: s.ping(), lambda s: s.ping())
        if self.degraded:
            raise StoreError(self.last_error or "unavailable")

    async def aclose(self) -> None:
        await self.primary.aclose()
        await self.fallback.aclose()
