"""What every worker knows about each upstream endpoint: when it last answered, when it
last failed, and how. Stored in the shared store (`upstream:<endpoint>` under the prefix)
so that all workers see one state: `/health` answers the same from any of them, another
worker's success ends a circuit's cool-down here, and a success ends the backoff of keys
that failed in the same outage.

One `UpstreamMarks` per dashboard: its endpoints are stored under the dashboard's
namespace (`upstream:wikiedu:course`; the `outreach` dashboard keeps the bare
`upstream:course` it always had). It is the Dashboard client's report port
(`dashboard/reports.py`) without importing it: the protocol is structural.

Writes are cheap: every failure is written (the breaker keeps them few), a success only
when this worker last knew the endpoint as failing, or at most once a second. Reads go to
the store at most every `refresh_interval` (while a circuit is open or a backoff is
looked at), except `read()` for `/health`, which always reads.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

from outreach_helper.cache.errors import StoreError
from outreach_helper.cache.mark import Mark
from outreach_helper.dashboard.urls import ENDPOINTS

if TYPE_CHECKING:
    from outreach_helper.cache.backoff import Backoff

__all__ = ["MARK_TTL", "Mark", "MarkStore", "UpstreamMarks", "mark_key"]

log = logging.getLogger(__name__)

SUCCESS_WRITE_INTERVAL = 1.0
REFRESH_INTERVAL = 0.5
# How long the store keeps an endpoint's marks after the last write.
MARK_TTL = 7 * 86400


def mark_key(endpoint: str) -> str:
    return f"upstream:{endpoint}"


class MarkStore(Protocol):
    async def record_mark(self, endpoint: str, mark: Mark) -> None:
        """Store the fields `mark` has, keeping the newer of each (see `Mark.merged`)."""

    async def read_marks(self, endpoints: list[str]) -> list[Mark]: ...


class UpstreamMarks:
    """This worker's writer and (throttled) reader of the shared marks."""

    def __init__(
        self,
        store: MarkStore,
        *,
        endpoints: Iterable[str] = ENDPOINTS,
        namespace: str = "",
        clock: Callable[[], float] = time.time,
        refresh_interval: float = REFRESH_INTERVAL,
        success_write_interval: float = SUCCESS_WRITE_INTERVAL,
    ):
        self._store = store
        self._endpoints = tuple(endpoints)
        # What the store calls each endpoint: `wikiedu:course`, or bare for `outreach`.
        self._stored_as = [f"{namespace}{endpoint}" for endpoint in self._endpoints]
        self._clock = clock
        self._refresh_interval = refresh_interval
        self._success_write_interval = success_write_interval
        self._view: dict[str, Mark] = {name: Mark() for name in self._endpoints}
        self._success_written_at: dict[str, float] = {}
        self._refreshed_at = -float("inf")
        self._refreshing: asyncio.Task[None] | None = None
        # Set where the client is built (upstreams.py): whether this worker's circuit of an
        # endpoint is waiting for its probe (a backed-off key may then be that probe).
        self.probe_due: Callable[[str], bool] = lambda endpoint: False

    def now(self) -> float:
        """The clock the marks are written with (unix seconds)."""
        return self._clock()

    def view(self, endpoint: str) -> Mark:
        """What this worker last knew of `endpoint` (its own calls, and the last read)."""
        return self._view.get(endpoint, Mark())

    def waives(self, endpoint: str, backoff: Backoff, *, cold: bool) -> bool:
        """Whether a key answered by `endpoint` is fetched despite its backoff: it failed in
        an outage of its endpoint (not on its own), and the endpoint has answered since; or
        it is
        `cold` (its caller would get an error) and this worker's circuit is due to probe
        the endpoint anyway, so the key may be that probe (the breaker bounds the cost).
        A stale key is answered from its entry and waits for the success of a probe."""
        if endpoint not in self._view or backoff.own:
            return False
        if backoff.ended_by(self.view(endpoint).last_success_at):
            return True
        return cold and self.probe_due(endpoint)

    # --- the report port (dashboard/reports.py) -------------------------------------

    async def succeeded(self, endpoint: str, *, outcome: str = "", seconds: float = 0.0) -> None:
        now = self._clock()
        known = self.view(endpoint)
        self._view[endpoint] = replace(known, last_success_at=now)
        if not known.down and now - self._success_written_at.get(endpoint, -1e18) < (
            self._success_write_interval
        ):
            return
        self._success_written_at[endpoint] = now
        await self._write(endpoint, Mark(last_success_at=now))

    async def failed(
        self, endpoint: str, error: str, *, outcome: str = "", seconds: float = 0.0
    ) -> None:
        now = self._clock()
        self._view[endpoint] = replace(self.view(endpoint), last_failure_at=now, last_error=error)
        await self._write(endpoint, Mark(last_failure_at=now, last_error=error))

    async def refused(self, endpoint: str) -> None:
        """A call the breaker refused sent nothing: nothing to mark."""

    async def last_success_at(self, endpoint: str) -> float | None:
        """When any worker last saw `endpoint` answer (the store read is throttled)."""
        await self.refresh()
        return self.view(endpoint).last_success_at

    # --- reading ------------------------------------------------------------------------

    def refresh_soon(self) -> None:
        """`refresh` in the background (for a path that cannot wait: a stale entry whose
        key backs off is answered at once; its backoff ends at a later request)."""
        if self._refreshing is None and self._clock() - self._refreshed_at >= (
            self._refresh_interval
        ):
            self._refreshing = asyncio.get_running_loop().create_task(self.refresh())
            self._refreshing.add_done_callback(self._refreshed)

    def _refreshed(self, task: asyncio.Task[None]) -> None:
        self._refreshing = None
        if not task.cancelled() and task.exception() is not None:
            log.warning("could not read the upstream marks: %s", task.exception())

    async def refresh(self) -> None:
        """Read the shared marks, unless that was done less than `refresh_interval` ago."""
        if self._clock() - self._refreshed_at >= self._refresh_interval:
            await self.read()

    async def read(self) -> dict[str, Mark]:
        """The shared marks of every endpoint, now (merged into this worker's view)."""
        self._refreshed_at = self._clock()
        try:
            marks = await self._store.read_marks(self._stored_as)
        except StoreError as error:
            log.warning("could not read the upstream marks: %s", error)
            return dict(self._view)
        for endpoint, mark in zip(self._endpoints, marks, strict=True):
            self._view[endpoint] = self.view(endpoint).merged(mark)
        return dict(self._view)

    async def _write(self, endpoint: str, mark: Mark) -> None:
        try:
            stored_as = self._stored_as[self._endpoints.index(endpoint)]
            await self._store.record_mark(stored_as, mark)
        except StoreError as error:
            log.warning("could not record the upstream mark of %s: %s", endpoint, error)
