"""The small interface every store implements, so the engine does not care which it has."""

from __future__ import annotations

from typing import Protocol

from outreach_helper.cache.entry import Entry


class StoreError(Exception):
    """The store could not be reached or answered badly; the caller degrades, never fails."""


class Store(Protocol):
    """Keys are relative (`user:Ada Example`); each store adds its own prefix."""

    name: str

    async def get(self, key: str) -> Entry | None: ...

    async def get_many(self, keys: list[str]) -> list[Entry | None]: ...

    async def set(self, key: str, entry: Entry, ttl: float) -> None:
        """Store `entry`, gone after `ttl` seconds (every key has an expiry)."""

    async def delete(self, key: str) -> None: ...

    async def ping(self) -> None:
        """Raise StoreError when the store cannot be used."""

    async def aclose(self) -> None: ...
