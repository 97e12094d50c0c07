"""The stale-while-revalidate engine: one entry per key, in one of these states.

    fresh           age < ttl                   answered from the store, no upstream request
                                                (a hot key may be refreshed early: XFetch)
    stale           ttl <= age < ttl + swr      answered at once; one background refresh
                                                across all workers (revalidating)
    missing / old   no entry, or older          fetched in the foreground, once across all
                                                workers; the others wait for the entry
    stale-if-error  the fetch failed, or the    the old entry is answered while
                    key is backing off          age < ttl + stale_if_error
    negative        remembered upstream 404     answered as "not found" for not_found_ttl

Failures are never stored as entries, so a failing Dashboard can never overwrite a good
entry; they are remembered as a backoff (`backoff.py`). Writes are atomic and keep the
newer entry (`Store.write`), so a slow fetch that lost a race cannot overwrite a newer one.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from outreach_helper import metrics
from outreach_helper.cache import spread
from outreach_helper.cache.backoff import Backoff, BackoffPolicy
from outreach_helper.cache.entry import Entry
from outreach_helper.cache.lease import Leases
from outreach_helper.cache.meta import Meta
from outreach_helper.cache.store import Record, Store
from outreach_helper.cache.upstream_marks import UpstreamMarks
from outreach_helper.dashboard.outcomes import (
    FetchOptions,
    Found,
    NotModified,
    Outcome,
    UpstreamBadResponse,
    UpstreamError,
    UpstreamTimeout,
    UpstreamUnavailable,
)

log = logging.getLogger(__name__)

Fetch = Callable[[FetchOptions], Awaitable[Outcome]]
RETRY_AFTER = 5  # seconds, told to a caller whose answer is still being fetched


class CacheState(StrEnum):
    FRESH = "fresh"
    STALE = "stale"
    MISS = "miss"
    STALE_IF_ERROR = "stale-if-error"


@dataclass(frozen=True, slots=True)
class Kind:
    """A family of entries (`user`, `course`, `roster`), how long they stay fresh, and
    which upstream endpoint answers them (whose marks end their backoff).

    `name` is also the key's namespace (`user:Ada`); a dashboard other than `outreach`
    has its name in front (`wikiedu:user:Ada`), so the engine never learns of dashboards.
    """

    name: str
    ttl: float
    endpoint: str = ""


@dataclass(frozen=True, slots=True)
class Lookup:
    """What the engine answers: the entry and how it was obtained."""

    entry: Entry
    state: CacheState

    @property
    def data(self) -> Any:
        return self.entry.data

    @property
    def found(self) -> bool:
        return not self.entry.is_negative


@dataclass(frozen=True, slots=True)
class Windows:
    """How long past freshness an entry is still useful (seconds)."""

    stale_while_revalidate: float
    stale_if_error: float
    not_found_ttl: float


@dataclass(frozen=True, slots=True)
class Policy:
    """How fetches are shared, spread and held back (the settings' defaults)."""

    lease_ttl: float = 10.0
    backoff: BackoffPolicy = field(default_factory=BackoffPolicy)
    early_refresh_beta: float = 1.0
    expiry_jitter: float = 0.1
    # A worker waiting for another's fetch looks at the store this often (growing).
    poll_initial: float = 0.02
    poll_max: float = 0.25


def _newer(entry: Entry | None, than: Entry | None) -> bool:
    return entry is not None and (than is None or entry.fetched_at > than.fetched_at)


@dataclass(eq=False)
class _Flight:
    """One fetch of a key in this process; `elsewhere` while it waits for another's."""

    task: asyncio.Task[Entry | None] | None = None
    elsewhere: bool = False


class SWRCache:
    """Reads and refreshes entries; the only code that writes to a store."""

    def __init__(
        self,
        store: Store,
        windows: Windows,
        *,
        foreground_timeout: float,
        policy: Policy | None = None,
        clock: Callable[[], float] = time.time,
        rand: Callable[[], float] = random.random,
        marks: UpstreamMarks | None = None,
    ):
        self.store = store
        # The shared upstream marks: a success of an endpoint anywhere ends the backoff of
        # its keys that failed in the same outage (`Backoff.ended_by`).
        self._marks = marks
        # When this worker last answered stale-if-error (None: never).
        self.stale_if_error_at: float | None = None
        self._windows = windows
        self._foreground_timeout = foreground_timeout
        self._policy = policy or Policy()
        self._clock = clock
        self._rand = rand
        self._leases = Leases(store, self._policy.lease_ttl)
        # One flight per key, for callers who wait and for background refreshes; they
        # also keep the tasks referenced.
        self._fetching: dict[str, _Flight] = {}
        self._refreshing: dict[str, _Flight] = {}

    @property
    def in_flight(self) -> int:
        """Fetches and refreshes running in this process."""
        return len(self._fetching) + len(self._refreshing)

    async def get(self, kind: Kind, ident: str, fetch: Fetch) -> Lookup:
        """The entry for `kind:ident`, fetching with `fetch` only when it must.

        Raises UpstreamError when the upstream fails and nothing usable is stored.
        """
        key = f"{kind.name}:{ident}"
        return await self._resolve(key, kind, await self.store.read(key), fetch)

    async def get_many(
        self, kind: Kind, idents: list[str], fetches: list[Fetch]
    ) -> list[Lookup | UpstreamError]:
        """`get` for many keys of one kind, reading them all in one store round trip.

        Each key is decided on its own: usable entries are answered at once, the others
        fetched concurrently; a key whose fetch fails gets its UpstreamError in its place.
        """
        keys = [f"{kind.name}:{ident}" for ident in idents]
        records = await self.store.read_many(keys)
        # Keys answerable at once are settled here; only the rest become tasks (a task per
        # key would cost more than the whole warm answer).
        results: list[Lookup | UpstreamError | None] = []
        pending = []
        for key, record, fetch in zip(keys, records, fetches, strict=True):
            lookup = self._settle(key, kind, record, fetch)
            if lookup is not None:
                self._count(kind, lookup)
            else:
                pending.append((len(results), self._resolve(key, kind, record, fetch)))
            results.append(lookup)
        if pending:
            fetched = await asyncio.gather(*(c for _, c in pending), return_exceptions=True)
            for (index, _), result in zip(pending, fetched, strict=True):
                if isinstance(result, BaseException) and not isinstance(result, UpstreamError):
                    raise result
                results[index] = result  # type: ignore[assignment]
        return results  # type: ignore[return-value]

    async def _resolve(self, key: str, kind: Kind, record: Record, fetch: Fetch) -> Lookup:
        """`_decide`, counted in the metrics by outcome."""
        try:
            lookup = await self._decide(key, kind, record, fetch)
        except UpstreamError:
            metrics.cache_lookups.labels(kind.name, "error").inc()
            raise
        self._count(kind, lookup)
        return lookup

    def _count(self, kind: Kind, lookup: Lookup) -> None:
        if lookup.state is CacheState.STALE_IF_ERROR:
            self.stale_if_error_at = self._clock()  # /health: degraded for a while
        state = "negative" if lookup.entry.is_negative else lookup.state.value
        metrics.cache_lookup(kind.name, state).inc()

    def _settle(self, key: str, kind: Kind, record: Record, fetch: Fetch) -> Lookup | None:
        """The answer for `key` when it needs no foreground fetch (a background refresh
        may be started); None when it does."""
        now = self._clock()
        entry = record.entry
        if entry is None:
            return None
        backing_off = self._backing_off(kind.endpoint, record.backoff, now, cold=False)
        age = now - entry.fetched_at
        if entry.is_negative:
            return Lookup(entry, CacheState.FRESH) if age < self._windows.not_found_ttl else None
        if age < kind.ttl:
            if not backing_off and self._refresh_early(record, entry, kind, now):
                self._refresh(key, kind, fetch, record)
            return Lookup(entry, CacheState.FRESH)
        if age < kind.ttl + self._windows.stale_while_revalidate:
            if backing_off:
                if self._marks is not None:
                    self._marks.refresh_soon()  # a success elsewhere would end the backoff
                return Lookup(entry, CacheState.STALE_IF_ERROR)
            self._refresh(key, kind, fetch, record)
            return Lookup(entry, CacheState.STALE)
        return None

    async def _decide(self, key: str, kind: Kind, record: Record, fetch: Fetch) -> Lookup:
        """What to answer for `key`, given what the store holds about it."""
        settled = self._settle(key, kind, record, fetch)
        if settled is not None:
            return settled
        if self._replays_failure(kind, record):
            # Before answering a remembered failure, read what every worker sees: this
            # worker's copy may be a second old, and another worker may have fetched the
            # key since (the chaos soak caught such 503s). A fetch needs no such read:
            # taking the lease re-reads the key from Redis.
            record = await self.store.read_shared(key)
            settled = self._settle(key, kind, record, fetch)
            if settled is not None:
                return settled
        now = self._clock()
        entry = record.entry
        usable = entry is not None and not entry.is_negative
        cold = not usable
        if self._marks is not None and self._backing_off(kind.endpoint, record.backoff, now, cold):
            await self._marks.refresh()  # another worker may have seen the endpoint answer
        backing_off = self._backing_off(kind.endpoint, record.backoff, now, cold)
        age = now - entry.fetched_at if entry is not None else 0.0
        stale = entry if usable and age < kind.ttl + self._windows.stale_if_error else None
        try:
            if backing_off:
                assert record.backoff is not None
                raise record.backoff.error(now)
            fetched = await self._wait(self._fetch(key, kind, fetch, record))
        except UpstreamError:
            if stale is not None:
                return Lookup(stale, CacheState.STALE_IF_ERROR)
            raise
        return Lookup(fetched, CacheState.MISS)

    def unchanged(self, entries: tuple[tuple[str, Entry], ...]) -> bool:
        """Whether the store would answer each key with this very entry, without I/O (so
        that an answer built from them can be reused; see `finished.py`)."""
        current = self.store.current
        return all(current(key) is entry for key, entry in entries)

    async def peek_many(self, kind: Kind, idents: list[str]) -> list[Entry | None]:
        """Stored entries for many keys in one store round trip, whatever their state."""
        return await self.store.get_many([f"{kind.name}:{ident}" for ident in idents])

    async def invalidate(self, kind: Kind, ident: str) -> None:
        """Forget one entry (with its meta and backoff): the next request fetches it."""
        await self.store.delete(f"{kind.name}:{ident}")

    async def write_blob(self, kind: Kind, ident: str, data: bytes, ttl: float) -> None:
        """A value too big to re-read every second (see `participants.py`), under
        `KIND:IDENT`; written only by whoever holds the entry's fetch."""
        await self.store.write_blob(f"{kind.name}:{ident}", data, ttl)

    async def read_blob(self, kind: Kind, ident: str) -> bytes | None:
        return await self.store.read_blob(f"{kind.name}:{ident}")

    async def purge_all(self) -> int:
        """Forget every entry; how many keys were deleted. Raises StoreError if Redis
        cannot be reached (a purge that did not happen must not look as if it had)."""
        return await self.store.purge()

    async def aclose(self) -> None:
        """Cancel fetches still running (at shutdown)."""
        tasks = [f.task for f in (*self._fetching.values(), *self._refreshing.values())]
        for task in tasks:
            if task is not None:
                task.cancel()
        await asyncio.gather(*(t for t in tasks if t is not None), return_exceptions=True)

    # --- flights ------------------------------------------------------------------------

    def _refresh_early(self, record: Record, entry: Entry, kind: Kind, now: float) -> bool:
        if record.meta is None:
            return False
        return spread.refresh_early(
            now, entry.fetched_at, kind.ttl, record.meta.duration,
            self._policy.early_refresh_beta, self._rand,
        )  # fmt: skip

    def _refresh(self, key: str, kind: Kind, fetch: Fetch, seen: Record) -> None:
        """Start a background refresh of `key` unless one is running in this process."""
        self._start(self._refreshing, key, kind, fetch, seen, background=True)

    def _fetch(self, key: str, kind: Kind, fetch: Fetch, seen: Record) -> _Flight:
        """The one foreground fetch of `key` in this process, started if none is running."""
        return self._start(self._fetching, key, kind, fetch, seen, background=False)

    def _start(
        self,
        flights: dict[str, _Flight],
        key: str,
        kind: Kind,
        fetch: Fetch,
        seen: Record,
        *,
        background: bool,
    ) -> _Flight:
        flight = flights.get(key)
        if flight is not None and not background:
            metrics.coalesced_waiters.labels(kind.name).inc()
        if flight is None:
            flight = _Flight()
            flight.task = asyncio.get_running_loop().create_task(
                self._fly(flight, key, kind, fetch, seen, background)
            )
            flights[key] = flight
            flight.task.add_done_callback(lambda done: self._forget(flights, key, flight, done))
        return flight

    def _forget(
        self,
        flights: dict[str, _Flight],
        key: str,
        flight: _Flight,
        task: asyncio.Task[Entry | None],
    ) -> None:
        if flights.get(key) is flight:
            del flights[key]
        if not task.cancelled() and task.exception() is not None:
            # Retrieved here so a refresh nobody waited for does not warn at exit.
            log.debug("fetch of %s failed: %s", key, task.exception())

    async def _wait(self, flight: _Flight) -> Entry:
        """Wait at most the foreground budget; a slower fetch carries on and fills the cache."""
        assert flight.task is not None
        try:
            entry = await asyncio.wait_for(asyncio.shield(flight.task), self._foreground_timeout)
        except TimeoutError as error:
            if flight.elsewhere:
                raise UpstreamUnavailable(
                    "another worker is fetching this from the Dashboard; try again shortly",
                    retry_after=RETRY_AFTER,
                ) from error
            raise UpstreamTimeout(
                f"the Dashboard is slow; no answer within {self._foreground_timeout:g} s "
                "(the fetch goes on, try again shortly)",
                retry_after=RETRY_AFTER,
            ) from error
        assert entry is not None  # foreground flights return an entry or raise
        return entry

    async def _fly(
        self, flight: _Flight, key: str, kind: Kind, fetch: Fetch, seen: Record, background: bool
    ) -> Entry | None:
        """Fetch `key` if this worker gets its lease; else wait for the worker that has it
        (a background refresh just leaves it to that worker and returns None)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._foreground_timeout
        since = self._clock()
        while True:
            async with self._leases.hold(key) as mine:
                if mine:
                    flight.elsewhere = False
                    current = await self.store.read(key)
                    if _newer(current.entry, seen.entry):
                        return current.entry  # another worker wrote it just before
                    now = self._clock()
                    cold = current.entry is None or current.entry.is_negative
                    if self._backing_off(kind.endpoint, current.backoff, now, cold):
                        raise current.backoff.error(now)
                    return await self._fetch_and_store(key, kind, fetch, current, background)
            if background:
                return None
            flight.elsewhere = True
            entry = await self._await_other_worker(key, seen, since, deadline)
            if entry is not None:
                return entry

    async def _await_other_worker(
        self, key: str, seen: Record, since: float, deadline: float
    ) -> Entry | None:
        """Poll the store until the lease holder writes a newer entry (returned) or records
        a failure (raised). None when the lease went away with neither (its holder died):
        then the caller tries to take the lease itself."""
        loop = asyncio.get_running_loop()
        log.info("%s is being fetched by another worker; waiting for it", key)
        metrics.coalesced_waiters.labels(key.partition(":")[0]).inc()
        delay = self._policy.poll_initial
        while loop.time() < deadline:
            await asyncio.sleep(delay)
            delay = min(delay * 1.5, self._policy.poll_max)
            current = await self.store.read(key)
            if _newer(current.entry, seen.entry):
                return current.entry
            if current.backoff is not None and current.backoff.failed_at >= since:
                raise current.backoff.error(self._clock())
            if not current.leased:
                return None
        raise UpstreamUnavailable(
            "another worker is fetching this from the Dashboard; try again shortly",
            retry_after=RETRY_AFTER,
        )

    async def _fetch_and_store(
        self, key: str, kind: Kind, fetch: Fetch, current: Record, background: bool
    ) -> Entry:
        """Fetch (conditionally, when there is something to revalidate) and write."""
        old = current.entry
        revalidating = old is not None and not old.is_negative and current.meta is not None
        validators = current.meta.validators if revalidating and current.meta else None
        # An answer is at least as fresh as the moment it was asked for.
        started, timer = self._clock(), time.perf_counter()
        try:
            outcome = await fetch(FetchOptions(validators=validators, background=background))
            duration = time.perf_counter() - timer
            if isinstance(outcome, NotModified):
                if old is None or old.is_negative or current.meta is None:
                    raise UpstreamBadResponse("the Dashboard answered 304 to a plain request")
                entry = Entry(started, old.data)
                meta: Meta | None = replace(current.meta, duration=duration)
            elif isinstance(outcome, Found):
                entry, meta = Entry(started, outcome.data), Meta.of(outcome.validators, duration)
            else:
                entry, meta = Entry(started, None), None
        except UpstreamError as error:
            await self._back_off(key, kind, current, error)
            raise
        written = await self.store.write(key, entry, meta, self._retention(kind, entry))
        if current.backoff is not None:
            await self.store.clear_backoff(key)
        if not written:
            log.info("a newer entry of %s was written meanwhile; keeping it", key)
            return (await self.store.read(key)).entry or entry
        return entry

    def _replays_failure(self, kind: Kind, record: Record) -> bool:
        """Whether `_decide` would answer `record`'s backoff error (nothing usable stored
        beside it)."""
        entry = record.entry
        cold = entry is None or entry.is_negative
        if not self._backing_off(kind.endpoint, record.backoff, self._clock(), cold):
            return False
        if cold:
            return True
        assert entry is not None
        return self._clock() - entry.fetched_at >= kind.ttl + self._windows.stale_if_error

    def _backing_off(self, endpoint: str, backoff: Backoff | None, now: float, cold: bool) -> bool:
        """Whether `backoff` holds the key back now (see `UpstreamMarks.waives`); `cold`:
        nothing usable is stored for it."""
        if backoff is None or not backoff.active(now):
            return False
        return self._marks is None or not self._marks.waives(endpoint, backoff, cold=cold)

    async def _back_off(self, key: str, kind: Kind, current: Record, error: UpstreamError) -> None:
        now = self._clock()
        policy = self._policy.backoff
        success = self._marks.view(kind.endpoint).last_success_at if self._marks else None
        cold = current.entry is None or current.entry.is_negative
        backoff = policy.after_failure(current.backoff, error, now, self._rand, success, cold)
        log.info(
            "backing off %s for %.1f s after %d failure(s)",
            key, backoff.retry_at - now, backoff.failures,
        )  # fmt: skip
        await self.store.set_backoff(key, backoff, policy.keep_for(backoff, now))

    def _retention(self, kind: Kind, entry: Entry) -> float:
        """How long the store keeps an entry: as long as any window can still use it,
        jittered so that entries written together do not expire together."""
        jitter = self._policy.expiry_jitter
        if entry.is_negative:
            return spread.shorten(self._windows.not_found_ttl, jitter, self._rand)
        grace = max(self._windows.stale_while_revalidate, self._windows.stale_if_error)
        return spread.stretch(kind.ttl + grace, jitter, self._rand)
