"""The small interface every store implements, so the engine does not care which it has.

Keys are relative (`user:Ada Example`); each store adds its own prefix. Beside an entry a
store keeps, under other keys with expiries of their own:

    meta:KEY      validators and fetch duration (`meta.py`), written with the entry
    backoff:KEY   failures of the last fetches (`backoff.py`)
    lease:KEY     which worker is fetching KEY right now (`lease.py`)

and, once per upstream endpoint, `upstream:ENDPOINT`: its last success and failure
(`upstream_marks.py`), shared by every worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from outreach_helper.cache.backoff import Backoff
from outreach_helper.cache.entry import Entry
from outreach_helper.cache.errors import StoreError
from outreach_helper.cache.mark import Mark
from outreach_helper.cache.meta import Meta

__all__ = ["Record", "Store", "StoreError", "backoff_key", "lease_key", "meta_key"]


def meta_key(key: str) -> str:
    return f"meta:{key}"


def backoff_key(key: str) -> str:
    return f"backoff:{key}"


def lease_key(key: str) -> str:
    return f"lease:{key}"


@dataclass(frozen=True, slots=True)
class Record:
    """Everything stored about one key, read in one round trip."""

    entry: Entry | None = None
    meta: Meta | None = None
    backoff: Backoff | None = None
    leased: bool = False


class Store(Protocol):
    name: str

    async def read(self, key: str) -> Record: ...

    async def read_many(self, keys: list[str]) -> list[Record]:
        """`read` of many keys in one round trip."""

    async def read_shared(self, key: str) -> Record:
        """`read` of what every worker sees: never a copy used without asking (the tier
        asks Redis, when it can)."""

    async def get_many(self, keys: list[str]) -> list[Entry | None]: ...

    def current(self, key: str) -> Entry | None:
        """The entry `read` would give now without any I/O; None if it would have to ask
        (or has nothing). The same object until the entry is replaced or re-read."""

    async def write(self, key: str, entry: Entry, meta: Meta | None, ttl: float) -> bool:
        """Store `entry` and `meta` (None drops the old meta) for `ttl` seconds, unless
        the stored entry is as new or newer (by `fetched_at`): then write nothing and
        return False. Atomic, so a slow fetch cannot overwrite a newer entry."""

    async def delete(self, key: str) -> None:
        """Forget the entry, its meta and its backoff."""

    async def set_backoff(self, key: str, backoff: Backoff, ttl: float) -> None: ...

    async def clear_backoff(self, key: str) -> None: ...

    async def acquire_lease(self, key: str, token: str, ttl: float) -> bool:
        """Take the lease on `key` for `ttl` seconds if nobody holds it."""

    async def renew_lease(self, key: str, token: str, ttl: float) -> bool:
        """Extend the lease if `token` still holds it; False if it was lost."""

    async def release_lease(self, key: str, token: str) -> None:
        """Give the lease back, only if `token` still holds it."""

    async def purge(self) -> int:
        """Forget every entry and meta (not leases); how many keys went."""

    async def write_blob(self, key: str, data: bytes, ttl: float) -> None:
        """Store an opaque value under `key` for `ttl` seconds (no entry, no meta)."""

    async def read_blob(self, key: str) -> bytes | None: ...

    async def record_mark(self, endpoint: str, mark: Mark) -> None:
        """Store the fields `mark` has for `endpoint`, keeping the newer of each."""

    async def read_marks(self, endpoints: list[str]) -> list[Mark]:
        """The stored marks of each endpoint (an empty `Mark` when none)."""

    async def ping(self) -> None:
        """Raise StoreError when the store cannot be used."""

    async def aclose(self) -> None: ...
