"""The embedded store: a bounded, least-recently-used dict in this process."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from outreach_helper.cache.entry import Entry


class MemoryStore:
    """No setup, nothing shared between workers; expiry is checked when a key is read."""

    name = "memory"

    def __init__(self, max_entries: int = 20000, clock: Callable[[], float] = time.monotonic):
        self._items: OrderedDict[str, tuple[float, Entry]] = OrderedDict()
        self._max_entries = max_entries
        self._clock = clock

    def __len__(self) -> int:
        return len(self._items)

    async def get(self, key: str) -> Entry | None:
        item = self._items.get(key)
        if item is None:
            return None
        expires_at, entry = item
        if expires_at <= self._clock():
            del self._items[key]
            return None
        self._items.move_to_end(key)
        return entry

    async def get_many(self, keys: list[str]) -> list[Entry | None]:
        return [await self.get(key) for key in keys]

    async def set(self, key: str, entry: Entry, ttl: float) -> None:
        self._items[key] = (self._clock() + ttl, entry)
        self._items.move_to_end(key)
        while len(self._items) > self._max_entries:
            self._items.popitem(last=False)

    async def delete(self, key: str) -> None:
        self._items.pop(key, None)

    async def ping(self) -> None:
        return None

    async def aclose(self) -> None:
        self._items.clear()
