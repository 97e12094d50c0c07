"""What every worker knows about each upstream endpoint: when it last answered, when it
last failed, and how. Stored in the shared store (`upstream:<endpoint>` under the prefix)
so that all workers see one state: `/health` answers the same from any of them, another
worker's success ends a circuit's cool-down here, and a success ends the backoff of keys
that failed in the same outage.

Writes are cheap: every failure is written (the breaker keeps them few), a success only
when this worker last knew the endpoint as failing, or at most once a second. Reads go to
the store at most every `refresh_interval` (while a circuit is open or a backoff is
looked at), except `read()` for `/health`, which always reads.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from outreach_helper.cache.backoff import Backoff

log = logging.getLogger(__name__)

ENDPOINTS = ("user_stats", "course", "users")
# Which endpoint answers each kind of entry.
KIND_ENDPOINTS = {"user": "user_stats", "course": "course", "roster": "users"}
SUCCESS_WRITE_INTERVAL = 1.0
REFRESH_INTERVAL = 0.5
# How long the store keeps an endpoint's marks after the last write.
MARK_TTL = 7 * 86400


def mark_key(endpoint: str) -> str:
    return f"upstream:{endpoint}"


@dataclass(frozen=True, slots=True)
class Mark:
    """One endpoint's last success and failure (unix seconds), and the last error."""

    last_success_at: float | None = None
    last_failure_at: float | None = None
    last_error: str | None = None

    @property
    def down(self) -> bool:
        """The most recent call failed, and none has succeeded since."""
        return self.last_failure_at is not None and (
            self.last_success_at is None or self.last_failure_at > self.last_success_at
        )

    def succeeded_after(self, moment: float) -> bool:
        return self.last_success_at is not None and self.last_success_at > moment

    def merged(self, other: Mark) -> Mark:
        """The newer of each field (marks from two places, e.g. Redis and this process)."""
        success = _latest(self.last_success_at, other.last_success_at)
        failure = _latest(self.last_failure_at, other.last_failure_at)
        error = self.last_error
        if other.last_failure_at is not None and other.last_failure_at == failure:
            error = other.last_error
        return Mark(success, failure, error)

    def to_fields(self) -> dict[str, str]:
        """Only the fields that are set (a write never erases another worker's field)."""
        fields = {}
        if self.last_success_at is not None:
            fields["last_success_at"] = repr(self.last_success_at)
        if self.last_failure_at is not None:
            fields["last_failure_at"] = repr(self.last_failure_at)
            fields["last_error"] = self.last_error or ""
        return fields

    @classmethod
    def from_fields(cls, fields: Mapping[str | bytes, str | bytes]) -> Mark:
        """From a stored hash; unreadable fields count as absent."""
        text = {_text(k): _text(v) for k, v in fields.items()}
        return cls(
            _number(text.get("last_success_at")),
            _number(text.get("last_failure_at")),
            text.get("last_error") or None,
        )


def _latest(a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    return a if b is None else max(a, b)


def _text(value: str | bytes) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


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
        clock: Callable[[], float] = time.time,
        refresh_interval: float = REFRESH_INTERVAL,
        success_write_interval: float = SUCCESS_WRITE_INTERVAL,
    ):
        self._store = store
        self._clock = clock
        self._refresh_interval = refresh_interval
        self._success_write_interval = success_write_interval
        self._view: dict[str, Mark] = {name: Mark() for name in ENDPOINTS}
        self._success_written_at: dict[str, float] = {}
        self._refreshed_at = -float("inf")
        self._refreshing: asyncio.Task[None] | None = None
        # Set by the Dashboard client: whether this worker's circuit of an endpoint is
        # waiting for its probe (a backed-off key may then be that probe).
        self.probe_due: Callable[[str], bool] = lambda endpoint: False

    def now(self) -> float:
        """The clock the marks are written with (unix seconds)."""
        return self._clock()

    def view(self, endpoint: str) -> Mark:
        """What this worker last knew of `endpoint` (its own calls, and the last read)."""
        return self._view.get(endpoint, Mark())

    def for_kind(self, kind: str) -> Mark:
        endpoint = KIND_ENDPOINTS.get(kind)
        return self.view(endpoint) if endpoint is not None else Mark()

    def waives(self, kind: str, backoff: Backoff, *, cold: bool) -> bool:
        """Whether a key of `kind` is fetched despite its backoff: it failed in an outage
        of its endpoint (not on its own), and the endpoint has answered since; or it is
        `cold` (its caller would get an error) and this worker's circuit is due to probe
        the endpoint anyway, so the key may be that probe (the breaker bounds the cost).
        A stale key is answered from its entry and waits for the success of a probe."""
        endpoint = KIND_ENDPOINTS.get(kind)
        if endpoint is None or backoff.own:
            return False
        if backoff.ended_by(self.view(endpoint).last_success_at):
            return True
        return cold and self.probe_due(endpoint)

    async def succeeded(self, endpoint: str) -> None:
        now = self._clock()
        known = self.view(endpoint)
        self._view[endpoint] = replace(known, last_success_at=now)
        if not known.down and now - self._success_written_at.get(endpoint, -1e18) < (
            self._success_write_interval
        ):
            return
        self._success_written_at[endpoint] = now
        await self._write(endpoint, Mark(last_success_at=now))

    async def failed(self, endpoint: str, error: str) -> None:
        now = self._clock()
        self._view[endpoint] = replace(self.view(endpoint), last_failure_at=now, last_error=error)
        await self._write(endpoint, Mark(last_failure_at=now, last_error=error))

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
        from outreach_helper.cache.store import StoreError  # store.py imports this module

        self._refreshed_at = self._clock()
        try:
            marks = await self._store.read_marks(list(ENDPOINTS))
        except StoreError as error:
            log.warning("could not read the upstream marks: %s", error)
            return dict(self._view)
        for endpoint, mark in zip(ENDPOINTS, marks, strict=True):
            self._view[endpoint] = self.view(endpoint).merged(mark)
        return dict(self._view)

    async def _write(self, endpoint: str, mark: Mark) -> None:
        from outreach_helper.cache.store import StoreError

        try:
            await self._store.record_mark(endpoint, mark)
        except StoreError as error:
            log.warning("could not record the upstream mark of %s: %s", endpoint, error)
