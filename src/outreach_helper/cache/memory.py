"""The embedded store: a bounded, least-recently-used dict in this process.

It keeps entries, meta, backoff records and leases alike (a lease here only matters
within the process, where the engine already shares one fetch per key).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from outreach_helper.cache.backoff import Backoff
from outreach_helper.cache.entry import Entry
from outreach_helper.cache.meta import Meta
from outreach_helper.cache.store import Record, backoff_key, lease_key, meta_key
from outreach_helper.cache.upstream_marks import Mark


class MemoryStore:
    """No setup, nothing shared between workers; expiry is checked when a key is read."""

    name = "memory"

    def __init__(self, max_entries: int = 20000, clock: Callable[[], float] = time.monotonic):
        self._items: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        self._max_entries = max_entries
        self._clock = clock
        # A few endpoints' marks, beside the entries (never evicted, never purged).
        self._marks: dict[str, Mark] = {}
        # Stats counters (`stats/recorder.py`): key -> (expires at, counts); apart from the
        # entries, so neither evicts the other. At most a few hundred keys, by their ttl.
        self._counts: dict[str, tuple[float, dict[str, int]]] = {}

    def __len__(self) -> int:
        return len(self._items)

    def _get(self, key: str) -> Any:
        item = self._items.get(key)
        if item is None:
            return None
        expires_at, value = item
        if expires_at <= self._clock():
            del self._items[key]
            return None
        self._items.move_to_end(key)
        return value

    def _set(self, key: str, value: Any, ttl: float) -> None:
        self._items[key] = (self._clock() + ttl, value)
        self._items.move_to_end(key)
        while len(self._items) > self._max_entries:
            self._items.popitem(last=False)

    async def read(self, key: str) -> Record:
        return Record(
            self._get(key),
            self._get(meta_key(key)),
            self._get(backoff_key(key)),
            self._get(lease_key(key)) is not None,
        )

    async def read_many(self, keys: list[str]) -> list[Record]:
        return [await self.read(key) for key in keys]

    async def get_many(self, keys: list[str]) -> list[Entry | None]:
        return [self._get(key) for key in keys]

    async def read_shared(self, key: str) -> Record:
        return await self.read(key)  # one process: its copy is the shared one

    def current(self, key: str) -> Entry | None:
        return self._get(key)

    async def write(self, key: str, entry: Entry, meta: Meta | None, ttl: float) -> bool:
        current: Entry | None = self._get(key)
        if current is not None and current.fetched_at >= entry.fetched_at:
            return False
        self._set(key, entry, ttl)
        if meta is None:
            self._items.pop(meta_key(key), None)
        else:
            self._set(meta_key(key), meta, ttl)
        return True

    async def delete(self, key: str) -> None:
        for name in (key, meta_key(key), backoff_key(key)):
            self._items.pop(name, None)

    async def set_backoff(self, key: str, backoff: Backoff, ttl: float) -> None:
        self._set(backoff_key(key), backoff, ttl)

    async def clear_backoff(self, key: str) -> None:
        self._items.pop(backoff_key(key), None)

    async def acquire_lease(self, key: str, token: str, ttl: float) -> bool:
        if self._get(lease_key(key)) is not None:
            return False
        self._set(lease_key(key), token, ttl)
        return True

    async def renew_lease(self, key: str, token: str, ttl: float) -> bool:
        if self._get(lease_key(key)) != token:
            return False
        self._set(lease_key(key), token, ttl)
        return True

    async def release_lease(self, key: str, token: str) -> None:
        if self._get(lease_key(key)) == token:
            del self._items[lease_key(key)]

    async def purge(self) -> int:
        doomed = [k for k in self._items if not k.startswith("lease:")]
        for name in doomed:
            del self._items[name]
        return len(doomed)

    async def write_blob(self, key: str, data: bytes, ttl: float) -> None:
        self._set(key, data, ttl)

    async def read_blob(self, key: str) -> bytes | None:
        value = self._get(key)
        return value if isinstance(value, bytes) else None

    async def record_mark(self, endpoint: str, mark: Mark) -> None:
        self._marks[endpoint] = self._marks.get(endpoint, Mark()).merged(mark)

    async def read_marks(self, endpoints: list[str]) -> list[Mark]:
        return [self._marks.get(endpoint, Mark()) for endpoint in endpoints]

    async def add_counts(self, batches: Sequence[tuple[str, float, Mapping[str, int]]]) -> None:
        now = self._clock()
        for key, ttl, counts in batches:
            item = self._counts.get(key)
            stored = item[1] if item is not None and item[0] > now else {}
            for field, value in counts.items():
                if field.startswith("g|"):
                    stored[field] = max(stored.get(field, value), value)
                else:
                    stored[field] = stored.get(field, 0) + value
            self._counts[key] = (now + ttl, stored)
        for key in [k for k, (expires_at, _) in self._counts.items() if expires_at <= now]:
            del self._counts[key]

    async def counts_epoch(self, key: str, candidate: str, ttl: float) -> str:
        now = self._clock()
        item = self._counts.get(key)
        value = item[1].get("epoch") if item is not None and item[0] > now else None
        self._counts[key] = (now + ttl, {"epoch": value or candidate})  # type: ignore[dict-item]
        return str(value or candidate)

    def all_counts(self) -> list[tuple[str, float, dict[str, int]]]:
        """Every live counts hash: (key, seconds it has left, counts)."""
        now = self._clock()
        return [
            (key, expires_at - now, dict(counts))
            for key, (expires_at, counts) in self._counts.items()
            if expires_at > now and "epoch" not in counts
        ]

    async def read_counts(self, keys: Sequence[str]) -> list[dict[str, int]]:
        now = self._clock()
        found = [self._counts.get(key) for key in keys]
        return [dict(item[1]) if item is not None and item[0] > now else {} for item in found]

    async def memory_info(self) -> dict[str, int] | None:
        return None

    async def ping(self) -> None:
        return None

    async def aclose(self) -> None:
        self._items.clear()
