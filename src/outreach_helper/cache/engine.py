"""The stale-while-revalidate engine: one entry per key, in one of these states.

    fresh           age < ttl                   answered from the store, no upstream request
    stale           ttl <= age < ttl + swr      answered at once; one background refresh
    missing / old   no entry, or older          fetched in the foreground, shared by all
                                                waiters in this process
    stale-if-error  the fetch failed            the old entry is answered while
                                                age < ttl + stale_if_error
    negative        remembered upstream 404     answered as "not found" for not_found_ttl

Failures are never stored, so a failing Dashboard can never overwrite a good entry.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from outreach_helper.cache.entry import Entry
from outreach_helper.cache.store import Store
from outreach_helper.dashboard.outcomes import Found, Outcome, UpstreamError, UpstreamTimeout

log = logging.getLogger(__name__)

Fetch = Callable[[], Awaitable[Outcome]]


class CacheState(StrEnum):
    FRESH = "fresh"
    STALE = "stale"
    MISS = "miss"
    STALE_IF_ERROR = "stale-if-error"


@dataclass(frozen=True, slots=True)
class Kind:
    """A family of entries (`user`, `course`, `roster`) and how long they stay fresh."""

    name: str
    ttl: float


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


class SWRCache:
    """Reads and refreshes entries; the only code that writes to a store."""

    def __init__(
        self,
        store: Store,
        windows: Windows,
        *,
        foreground_timeout: float,
        clock: Callable[[], float] = time.time,
    ):
        self.store = store
        self._windows = windows
        self._foreground_timeout = foreground_timeout
        self._clock = clock
        # One task per key being fetched; it also keeps background tasks referenced.
        self._inflight: dict[str, asyncio.Task[Entry]] = {}

    async def get(self, kind: Kind, ident: str, fetch: Fetch) -> Lookup:
        """The entry for `kind:ident`, fetching with `fetch` only when it must.

        Raises UpstreamError when the upstream fails and nothing usable is stored.
        """
        key = f"{kind.name}:{ident}"
        entry = await self.store.get(key)
        lookup = self._answer_at_once(key, kind, entry, fetch)
        if lookup is None:
            lookup = await self._fetch_in_foreground(key, kind, entry, fetch)
        return lookup

    async def get_many(
        self, kind: Kind, idents: list[str], fetches: list[Fetch]
    ) -> list[Lookup | UpstreamError]:
        """`get` for many keys of one kind, reading them all in one store round trip.

        Each key is decided on its own: usable entries are answered at once, the others
        fetched concurrently; a key whose fetch fails gets its UpstreamError in its place.
        """
        keys = [f"{kind.name}:{ident}" for ident in idents]
        entries = await self.store.get_many(keys)
        results: list[Lookup | UpstreamError | None] = [
            self._answer_at_once(key, kind, entry, fetch)
            for key, entry, fetch in zip(keys, entries, fetches, strict=True)
        ]
        waiting = [i for i, result in enumerate(results) if result is None]
        if waiting:
            fetched = await asyncio.gather(
                *(
                    self._fetch_in_foreground(keys[i], kind, entries[i], fetches[i])
                    for i in waiting
                ),
                return_exceptions=True,
            )
            for i, outcome in zip(waiting, fetched, strict=True):
                if isinstance(outcome, BaseException) and not isinstance(outcome, UpstreamError):
                    raise outcome
                results[i] = outcome
        return results  # type: ignore[return-value]

    def _answer_at_once(
        self, key: str, kind: Kind, entry: Entry | None, fetch: Fetch
    ) -> Lookup | None:
        """A fresh entry, or a stale one (starting its background refresh); None when the
        caller has to wait for a fetch."""
        if entry is None:
            return None
        age = self._clock() - entry.fetched_at
        ttl = self._windows.not_found_ttl if entry.is_negative else kind.ttl
        if age < ttl:
            return Lookup(entry, CacheState.FRESH)
        if not entry.is_negative and age < ttl + self._windows.stale_while_revalidate:
            self._start_fetch(key, kind, fetch)
            return Lookup(entry, CacheState.STALE)
        return None

    async def _fetch_in_foreground(
        self, key: str, kind: Kind, entry: Entry | None, fetch: Fetch
    ) -> Lookup:
        """Fetch and wait (shared with every other waiter); stale-if-error on failure."""
        age = self._clock() - entry.fetched_at if entry else 0.0
        try:
            fetched = await self._wait(self._start_fetch(key, kind, fetch))
        except UpstreamError:
            usable = entry is not None and not entry.is_negative
            if usable and age < kind.ttl + self._windows.stale_if_error:
                return Lookup(entry, CacheState.STALE_IF_ERROR)
            raise
        return Lookup(fetched, CacheState.MISS)

    async def peek_many(self, kind: Kind, idents: list[str]) -> list[Entry | None]:
        """Stored entries for many keys in one store round trip, whatever their state."""
        return await self.store.get_many([f"{kind.name}:{ident}" for ident in idents])

    async def invalidate(self, kind: Kind, ident: str) -> None:
        await self.store.delete(f"{kind.name}:{ident}")

    async def aclose(self) -> None:
        """Cancel fetches still running (at shutdown)."""
        tasks = list(self._inflight.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _start_fetch(self, key: str, kind: Kind, fetch: Fetch) -> asyncio.Task[Entry]:
        """The one fetch of `key` in this process, started if none is running."""
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.get_running_loop().create_task(self._fetch_and_store(key, kind, fetch))
            self._inflight[key] = task
            task.add_done_callback(lambda done: self._forget(key, done))
        return task

    def _forget(self, key: str, task: asyncio.Task[Entry]) -> None:
        if self._inflight.get(key) is task:
            del self._inflight[key]
        if not task.cancelled() and task.exception() is not None:
            # Retrieved here so a refresh nobody waited for does not warn at exit.
            log.debug("fetch of %s failed: %s", key, task.exception())

    async def _wait(self, task: asyncio.Task[Entry]) -> Entry:
        """Wait at most the foreground budget; a slower fetch carries on and fills the cache."""
        try:
            return await asyncio.wait_for(asyncio.shield(task), self._foreground_timeout)
        except TimeoutError as error:
            raise UpstreamTimeout(
                f"the Dashboard is slow; no answer within {self._foreground_timeout:g} s "
                "(the fetch goes on, try again shortly)",
                retry_after=5,
            ) from error

    async def _fetch_and_store(self, key: str, kind: Kind, fetch: Fetch) -> Entry:
        outcome = await fetch()
        entry = Entry(
            fetched_at=self._clock(), data=outcome.data if isinstance(outcome, Found) else None
        )
        await self.store.set(key, entry, self._retention(kind, entry))
        return entry

    def _retention(self, kind: Kind, entry: Entry) -> float:
        """How long the store keeps an entry: as long as any window can still use it."""
        if entry.is_negative:
            return self._windows.not_found_ttl
        grace = max(self._windows.stale_while_revalidate, self._windows.stale_if_error)
        return kind.ttl + grace
