"""Leases: which worker fetches a key, so that all workers together fetch it once.

A worker about to fetch takes the key's lease (`SET lease:KEY TOKEN NX PX ttl` in Redis);
the others see it taken and wait for the entry instead. The lease is renewed every third
of its lifetime while the fetch runs, so a slow fetch keeps it and a crashed worker's
lease lapses within `ttl`. Only its owner can renew or release it (compare-and-delete).

A renewal that fails (Redis stalled past the lease's expiry, or did not answer) is not
the end of it: the owner keeps renewing and takes the lease back as soon as it is free
again, so that a stall during a slow fetch does not hand the key to a second fetcher.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator

from outreach_helper.cache.store import Store

log = logging.getLogger(__name__)


class Leases:
    def __init__(self, store: Store, ttl: float):
        self._store = store
        self._ttl = ttl

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[bool]:
        """Yields True while this worker holds the lease on `key`, False if another does."""
        token = secrets.token_hex(16)
        if not await self._store.acquire_lease(key, token, self._ttl):
            yield False
            return
        renewing = asyncio.get_running_loop().create_task(self._renew(key, token))
        try:
            yield True
        finally:
            renewing.cancel()
            await self._store.release_lease(key, token)
            await asyncio.wait([renewing])

    async def _renew(self, key: str, token: str) -> None:
        lost = False
        while True:
            await asyncio.sleep(self._ttl / 3)
            held = await self._store.renew_lease(key, token, self._ttl)
            # Lapsed (Redis stalled) or not answering: take it back if nobody else has.
            held = held or await self._store.acquire_lease(key, token, self._ttl)
            if held == lost:
                # Lost, another worker may fetch too; the fetch goes on, and the atomic
                # write still keeps a newer entry from being overwritten.
                log.warning("%s the fetch lease on %s", "took back" if held else "lost", key)
                lost = not held
