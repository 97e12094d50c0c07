"""The port the Dashboard client reports each request to, and its two simple adapters.

The client does not know who listens (as httpx calls the event hooks it was given): the
shared upstream marks (`cache/upstream_marks.py`) satisfy this protocol structurally, and
so can a statistics recorder. `components.py` plugs them in; `dashboard/` imports nothing
from the rest of the package for it.
"""

from __future__ import annotations

import asyncio
from typing import Protocol


class UpstreamReports(Protocol):
    async def succeeded(self, endpoint: str, *, outcome: str, seconds: float) -> None:
        """An answer came (`found`, `not_found`, `not_modified`)."""

    async def failed(self, endpoint: str, error: str, *, outcome: str, seconds: float) -> None:
        """The request failed (`timeout`, `unavailable`, `bad_response`); `error` says how."""

    async def refused(self, endpoint: str) -> None:
        """The circuit breaker refused the call: nothing was sent."""

    async def last_success_at(self, endpoint: str) -> float | None:
        """When `endpoint` last answered anyone (unix seconds), if known."""


class NoReports:
    """Listens to nothing: the default, for a client used on its own."""

    async def succeeded(self, endpoint: str, *, outcome: str, seconds: float) -> None:
        return None

    async def failed(self, endpoint: str, error: str, *, outcome: str, seconds: float) -> None:
        return None

    async def refused(self, endpoint: str) -> None:
        return None

    async def last_success_at(self, endpoint: str) -> float | None:
        return None


class Reports:
    """Several listeners as one; the first that knows answers `last_success_at`."""

    def __init__(self, *listeners: UpstreamReports):
        self.listeners = listeners

    async def succeeded(self, endpoint: str, *, outcome: str, seconds: float) -> None:
        await asyncio.gather(
            *(each.succeeded(endpoint, outcome=outcome, seconds=seconds) for each in self.listeners)
        )

    async def failed(self, endpoint: str, error: str, *, outcome: str, seconds: float) -> None:
        await asyncio.gather(
            *(
                each.failed(endpoint, error, outcome=outcome, seconds=seconds)
                for each in self.listeners
            )
        )

    async def refused(self, endpoint: str) -> None:
        await asyncio.gather(*(each.refused(endpoint) for each in self.listeners))

    async def last_success_at(self, endpoint: str) -> float | None:
        for each in self.listeners:
            if (moment := await each.last_success_at(endpoint)) is not None:
                return moment
        return None
