"""Redis with an in-process tier in front: copies of entries, the one place that decides
which copy of a key this worker uses.

The rules, in order:

- **A copy is used without asking Redis** while Redis confirmed it less than
  `recheck_interval` seconds ago, no invalidation for it has arrived since, and nobody was
  fetching the key at that read (a key under a lease is always read from Redis, so a
  worker waiting for another's fetch sees the new entry the moment it is written).
- **Invalidations** from other workers (`invalidations.py`): a newer write makes the copy
  be re-read at its next use, a delete drops it, a purge drops every copy. A copy read
  from Redis while an invalidation arrived is not trusted either. So while Redis is up,
  another worker's write or purge stops an old copy being used within the pub/sub
  delivery time, and a lost message (reconnect, Redis restart) within `recheck_interval`:
  whenever the subscription is (re)made, every copy is re-read before its next use; a
  delete or purge also changes the `generation` key, and a re-read that sees a new
  generation drops every copy.
- **The newer copy wins.** A re-read that finds an older entry in Redis, or none (Redis
  evicted it, or restarted empty), keeps the copy: an absent key is not a deletion (those
  come as invalidations and generations). Nothing is written back to Redis.
- **While Redis is failing**, copies are used whatever their age, writes go to the tier
  alone, and leases and backoff records to a memory store for this process; Redis is tried
  again every `retry_interval` seconds and used again when it answers.

The engine still decides each entry's state from its own `fetched_at`: the tier only
chooses which copy it is shown. It holds at most `max_entries` keys, least recently used
out first.
"""

from __future__ import annotations

import logging
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from outreach_helper import metrics
from outreach_helper.cache.backoff import Backoff
from outreach_helper.cache.entry import Entry
from outreach_helper.cache.invalidations import DELETED, PURGED, WRITTEN, Invalidations
from outreach_helper.cache.memory import MemoryStore
from outreach_helper.cache.meta import Meta
from outreach_helper.cache.redis_store import RedisStore
from outreach_helper.cache.store import Record, StoreError
from outreach_helper.cache.upstream_marks import Mark

log = logging.getLogger(__name__)
T = TypeVar("T")
NEVER = -math.inf


@dataclass(slots=True)
class _Copy:
    entry: Entry
    meta: Meta | None
    backoff: Backoff | None
    checked_at: float  # when Redis last confirmed it (monotonic); NEVER: re-read first


class TieredStore:
    """A Store: Redis shared by all workers, the tier and an outage store in this one."""

    name = "redis"

    def __init__(
        self,
        shared: RedisStore,
        invalidations: Invalidations | None,
        *,
        max_entries: int = 20000,
        recheck_interval: float = 1.0,
        retry_interval: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.shared = shared
        self._invalidations = invalidations
        self._copies: OrderedDict[str, _Copy] = OrderedDict()
        # Lookups answered from a copy without asking Redis (the stats page draws them).
        self.hits = 0
        self._max_entries = max_entries
        self._recheck = recheck_interval
        self._retry_interval = retry_interval
        self._clock = clock
        # Leases and backoff records while Redis is failing (entries go to the tier).
        self._outage = MemoryStore(max_entries, clock)
        self._retry_at = 0.0
        self.last_error: str | None = None
        # Copies checked before this moment are re-read before use (resubscribed, Redis back).
        self._trusted_since = NEVER
        self._invalidations_seen = 0
        self._generation: bytes | None = None

    def __len__(self) -> int:
        return len(self._copies)

    @property
    def degraded(self) -> bool:
        return self.last_error is not None

    # --- invalidations --------------------------------------------------------------------

    def _start(self) -> None:
        if self._invalidations is not None:
            self._invalidations.start()

    def invalidated(self, kind: str, key: str) -> None:
        """Another worker wrote (`w`) or deleted (`d`) `key`, or purged everything (`p`)."""
        self._invalidations_seen += 1
        if kind == PURGED:
            self._copies.clear()
        elif kind == DELETED:
            self._copies.pop(key, None)
        elif kind == WRITTEN and (copy := self._copies.get(key)) is not None:
            copy.checked_at = NEVER

    def resubscribed(self) -> None:
        """Messages may have been lost while unsubscribed: re-read every copy before use."""
        self._invalidations_seen += 1
        self._trusted_since = self._clock()

    async def _publish(self, kind: str, key: str = "") -> None:
        if self._invalidations is None:
            return
        try:
            await self._invalidations.publish(kind, key)
        except StoreError as error:
            # The others re-read within the re-check interval anyway.
            log.warning("could not publish an invalidation of %s: %s", key or "all", error)

    # --- the tier ---------------------------------------------------------------------------

    def _usable(self, key: str, now: float) -> Record | None:
        """The copy of `key`, if it may be used without asking Redis."""
        copy = self._copies.get(key)
        if copy is None or copy.checked_at < self._trusted_since:
            return None
        if now - copy.checked_at >= self._recheck:
            return None
        self._copies.move_to_end(key)
        self.hits += 1
        return Record(copy.entry, copy.meta, copy.backoff)

    def _local(self, key: str, outage: Record) -> Record:
        """What this process alone knows about `key` (while Redis is failing)."""
        copy = self._copies.get(key)
        if copy is None:
            return outage
        self._copies.move_to_end(key)
        return Record(copy.entry, copy.meta, outage.backoff or copy.backoff, outage.leased)

    def _keep(self, key: str, copy: _Copy) -> None:
        self._copies[key] = copy
        self._copies.move_to_end(key)
        while len(self._copies) > self._max_entries:
            self._copies.popitem(last=False)

    def _absorb(self, key: str, record: Record, now: float, trusted: bool) -> Record:
        """Merge what Redis holds into the tier: the newer entry wins, absent is not gone.
        The copy counts as confirmed unless the key is leased or an invalidation arrived
        while Redis was being read."""
        copy = self._copies.get(key)
        checked_at = now if trusted and not record.leased else NEVER
        entry = record.entry
        if entry is not None and (copy is None or entry.fetched_at >= copy.entry.fetched_at):
            self._keep(key, _Copy(entry, record.meta, record.backoff, checked_at))
            return record
        if copy is None:
            return record  # nothing anywhere: nothing to keep
        copy.backoff, copy.checked_at = record.backoff, checked_at
        self._copies.move_to_end(key)
        return Record(copy.entry, copy.meta, record.backoff, record.leased)

    def _new_generation(self, generation: bytes | None) -> None:
        """A delete or purge happened since the last read (maybe unannounced): drop every
        copy. An absent generation (never set, or evicted) tells nothing."""
        if generation is not None and generation != self._generation:
            self._copies.clear()
            self._generation = generation

    # --- Redis, and what happens when it fails -------------------------------------------

    def _redis_down(self, now: float) -> bool:
        return self.degraded and now < self._retry_at

    def _failed(self, error: StoreError) -> None:
        metrics.redis_errors.inc()
        if not self.degraded:
            log.warning("redis unavailable, answering from this process's copies: %s", error)
        self.last_error = str(error)
        self._retry_at = self._clock() + self._retry_interval

    def _answered(self) -> None:
        if self.degraded:
            log.warning("redis is back")
            self.last_error = None
            # Invalidations sent meanwhile were lost.
            self._trusted_since = self._clock()

    async def _run(self, call: Callable[[RedisStore | MemoryStore], Awaitable[T]]) -> T:
        """`call` on Redis, or on the outage store while Redis is failing."""
        if self._redis_down(self._clock()):
            return await call(self._outage)
        try:
            result = await call(self.shared)
        except StoreError as error:
            self._failed(error)
            return await call(self._outage)
        self._answered()
        return result

    # --- the Store interface ------------------------------------------------------------

    async def read(self, key: str) -> Record:
        (record,) = await self.read_many([key])
        return record

    async def read_many(self, keys: list[str]) -> list[Record]:
        self._start()
        now = self._clock()
        if self._redis_down(now):
            return [self._local(key, await self._outage.read(key)) for key in keys]
        records = [self._usable(key, now) for key in keys]
        wanted = [key for key, record in zip(keys, records, strict=True) if record is None]
        if not wanted:
            return records  # type: ignore[return-value]
        seen = self._invalidations_seen
        try:
            fetched, generation = await self.shared.read_many_and_generation(wanted)
        except StoreError as error:
            self._failed(error)
            return [self._local(key, await self._outage.read(key)) for key in keys]
        self._answered()
        self._new_generation(generation)
        trusted = seen == self._invalidations_seen
        now = self._clock()
        absorbed = iter(
            [self._absorb(key, r, now, trusted) for key, r in zip(wanted, fetched, strict=True)]
        )
        return [record if record is not None else next(absorbed) for record in records]

    async def read_shared(self, key: str) -> Record:
        # Another worker may have written the key within the copy's re-check interval
        # (its invalidation lost or not yet here): ask Redis before acting on the copy.
        if (copy := self._copies.get(key)) is not None:
            copy.checked_at = NEVER
        return await self.read(key)

    async def get_many(self, keys: list[str]) -> list[Entry | None]:
        return [record.entry for record in await self.read_many(keys)]

    def current(self, key: str) -> Entry | None:
        copy = self._copies.get(key)
        if copy is None:
            return None
        now = self._clock()
        if not self._redis_down(now) and (
            copy.checked_at < self._trusted_since or now - copy.checked_at >= self._recheck
        ):
            return None
        self._copies.move_to_end(key)
        return copy.entry

    async def write(self, key: str, entry: Entry, meta: Meta | None, ttl: float) -> bool:
        self._start()
        copy = self._copies.get(key)
        if copy is not None and copy.entry.fetched_at >= entry.fetched_at:
            return False
        backoff = copy.backoff if copy is not None else None
        if self._redis_down(self._clock()):
            self._keep(key, _Copy(entry, meta, backoff, NEVER))
            return True
        try:
            written = await self.shared.write(key, entry, meta, ttl)
        except StoreError as error:
            self._failed(error)
            self._keep(key, _Copy(entry, meta, backoff, NEVER))
            return True
        self._answered()
        if not written:  # Redis has a newer one: read it at the next use
            if copy is not None:
                copy.checked_at = NEVER
            return False
        self._keep(key, _Copy(entry, meta, backoff, self._clock()))
        await self._publish(WRITTEN, key)
        return True

    async def delete(self, key: str) -> None:
        self._copies.pop(key, None)
        await self._outage.delete(key)
        await self._run(lambda s: s.delete(key))
        await self._publish(DELETED, key)

    async def set_backoff(self, key: str, backoff: Backoff, ttl: float) -> None:
        if (copy := self._copies.get(key)) is not None:
            copy.backoff = backoff
        await self._run(lambda s: s.set_backoff(key, backoff, ttl))

    async def clear_backoff(self, key: str) -> None:
        if (copy := self._copies.get(key)) is not None:
            copy.backoff = None
        await self._outage.clear_backoff(key)
        await self._run(lambda s: s.clear_backoff(key))

    async def acquire_lease(self, key: str, token: str, ttl: float) -> bool:
        # Whoever fetches or waits for a fetch must see Redis, not the copy.
        if (copy := self._copies.get(key)) is not None:
            copy.checked_at = NEVER
        # Asked of Redis even while it is failing: a lease of this process alone is none
        # for the other workers, so it is taken only when Redis fails this very request.
        # That costs a cold fetch one bounded timeout in an outage; skipping Redis for
        # `retry_interval` after one slow command let every worker that had seen it
        # fetch a key a second time. Success ends the outage (reads go to Redis again).
        try:
            taken = await self.shared.acquire_lease(key, token, ttl)
        except StoreError as error:
            self._failed(error)
            return await self._outage.acquire_lease(key, token, ttl)
        self._answered()
        return taken

    async def renew_lease(self, key: str, token: str, ttl: float) -> bool:
        # Redis first too (a background task, no caller waits): a lease that lapsed in
        # Redis while it stalled must be seen as lost, to be taken back (`lease.py`).
        try:
            renewed = await self.shared.renew_lease(key, token, ttl)
        except StoreError as error:
            self._failed(error)
            return await self._outage.renew_lease(key, token, ttl)
        self._answered()
        return renewed

    async def release_lease(self, key: str, token: str) -> None:
        # Both: the lease may have been taken in either, before or during an outage.
        await self._outage.release_lease(key, token)
        await self._run(lambda s: s.release_lease(key, token))

    async def purge(self) -> int:
        """Purge the tier and Redis. Unlike every other method this raises StoreError when
        Redis cannot be reached: whoever asked for a purge must know it did not happen."""
        self._copies.clear()
        purged = await self._outage.purge() + await self.shared.purge()
        await self._publish(PURGED)
        return purged

    async def write_blob(self, key: str, data: bytes, ttl: float) -> None:
        # Kept here too, so that while Redis fails this worker still has what it built.
        await self._outage.write_blob(key, data, ttl)
        await self._run(lambda s: s.write_blob(key, data, ttl))

    async def read_blob(self, key: str) -> bytes | None:
        """Redis's copy, else this worker's own (Redis failing, or it lost the key)."""
        shared = await self._run(lambda s: s.read_blob(key))
        return shared if shared is not None else await self._outage.read_blob(key)

    async def record_mark(self, endpoint: str, mark: Mark) -> None:
        # Kept here too, so that while Redis fails this worker still knows its own marks.
        await self._outage.record_mark(endpoint, mark)
        if not self._redis_down(self._clock()):
            try:
                await self.shared.record_mark(endpoint, mark)
            except StoreError as error:
                self._failed(error)
            else:
                self._answered()

    async def read_marks(self, endpoints: list[str]) -> list[Mark]:
        """Redis's marks merged with this worker's own (newer of each field); this
        worker's alone while Redis fails."""
        local = await self._outage.read_marks(endpoints)
        if self._redis_down(self._clock()):
            return local
        try:
            shared = await self.shared.read_marks(endpoints)
        except StoreError as error:
            self._failed(error)
            return local
        self._answered()
        return [mine.merged(theirs) for mine, theirs in zip(local, shared, strict=True)]

    async def ping(self) -> None:
        """Check Redis now (for /health), recording the outcome."""
        self._start()
        await self._run(lambda s: s.ping())
        if self.degraded:
            raise StoreError(self.last_error or "unavailable")

    async def aclose(self) -> None:
        if self._invalidations is not None:
            await self._invalidations.aclose()
        await self.shared.aclose()
        await self._outage.aclose()
        self._copies.clear()
