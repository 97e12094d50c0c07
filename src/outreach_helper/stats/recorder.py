"""This worker's counts per minute, added into the shared history every few seconds.

Recording must never slow or fail an answer, so an answer or an upstream request only
adds to a dict in memory (no I/O, no await). One task per worker (`run`, started by the
application's lifespan) flushes every `flush_interval` seconds: the counts of each minute
go, in one round trip, into that minute's hash at each resolution of
`history.RESOLUTIONS` (every worker and replica adds into the same hashes, so the history
is theirs together), and into this worker's own copy in memory, which the page shows when
the shared store cannot be read. Any error of the shared store is swallowed and kept in
`shared_error` ("shared history unavailable"); counts it refused are tried again at the
next flushes for up to `RETRY_FOR` seconds, then dropped. A Redis that restarted empty
(or evicted the history) is noticed by its epoch key (`EPOCH_KEY`) having gone or
changed: each worker then adds its whole own copy back, so the history survives as long
as one of the workers that counted it does.

The upstream side (`succeeded`, `failed`, `refused`, `last_success_at`) has the shape of
the Dashboard client's report port, so it can be plugged in as one of its listeners.

Besides counts, each flush samples what is a state rather than an event: the upstream
state (`state`), cumulative counters kept elsewhere (`counters`, recorded as increments),
and gauges (`gauges`, e.g. Redis memory, the age and size of what the service knows),
each a callable the wiring passes in.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Protocol

from outreach_helper.stats import history

log = logging.getLogger(__name__)
MINUTE = 60
# Counts the shared store refused are offered again for this long.
RETRY_FOR = 600.0
# Redis memory (`INFO memory`) is asked at most this often.
MEMORY_INTERVAL = 60.0
# Field names of answers, by (route template, status, Cache-Status value): a few dozen.
ANSWER_FIELDS_MAX = 1024
LATENCY_FIELDS = [f"al|{i}" for i in range(len(history.LATENCY_BOUNDS_MS) + 1)]
EPOCH_KEY = "stats:epoch"
EPOCH_TTL = 9 * 86400.0


class CounterStore(Protocol):
    """What the stats need of a store (implemented in `cache/`: only it talks to Redis)."""

    async def add_counts(self, batches: Sequence[tuple[str, float, Mapping[str, int]]]) -> None:
        """For each (key, ttl, counts): add the counts into the hash `key` (a field
        starting with `g|` keeps the larger of the stored and the given value) and let
        the hash expire `ttl` seconds after this write. One round trip for all."""

    async def read_counts(self, keys: Sequence[str]) -> list[dict[str, int]]:
        """The hashes of `keys` ({} for a missing one), in one round trip."""

    async def memory_info(self) -> dict[str, int] | None:
        """The store's memory figures (Redis: `INFO memory`), None when it has none."""

    async def counts_epoch(self, key: str, candidate: str, ttl: float) -> str:
        """The value under `key`, set to `candidate` first if there is none; its expiry
        renewed to `ttl` seconds either way."""


class LocalCounterStore(CounterStore, Protocol):
    """This worker's own copy of the history (`cache/memory.py`)."""

    def all_counts(self) -> list[tuple[str, float, dict[str, int]]]:
        """Every live hash: (key, seconds it has left, counts)."""


def step_key(step: int, start: int) -> str:
    return f"stats:{step}:{start}"


def status_class(status: int) -> str:
    return f"{min(max(status // 100, 2), 5)}xx"


def cache_state(header: str | None) -> str | None:
    """The state in an RFC 9211 Cache-Status value as `api/headers.py` writes it."""
    if not header:
        return None
    if "stale-if-error" in header:
        return "stale-if-error"
    if "fwd=stale" in header:
        return "stale"
    if "fwd=miss" in header:
        return "miss"
    if "; hit" in header:
        return "hit"
    return None


def batches_of(minutes: Mapping[int, Mapping[str, int]]) -> list[tuple[str, float, dict]]:
    """Each minute's counts as one write per resolution: the minute adds into the hash of
    the step that contains it."""
    out = []
    for minute, counts in minutes.items():
        if not counts:
            continue
        for step, ttl in history.RESOLUTIONS.items():
            out.append((step_key(step, history.containing(minute, step)), ttl, dict(counts)))
    return out


def _add(into: dict[str, int], counts: Mapping[str, int]) -> None:
    for field, value in counts.items():
        if field.startswith("g|"):
            into[field] = max(into.get(field, value), value)
        else:
            into[field] = into.get(field, 0) + value


class Recorder:
    """Counts in memory now, history in the store soon after."""

    def __init__(
        self,
        local: LocalCounterStore,
        shared: CounterStore | None = None,
        *,
        flush_interval: float = 5.0,
        clock: Callable[[], float] = time.time,
        state: Callable[[], Awaitable[str]] | None = None,
        counters: Callable[[], Mapping[str, int]] | None = None,
        gauges: Callable[[], Mapping[str, int]] | None = None,
    ):
        self.local = local
        self.shared = shared
        self.flush_interval = flush_interval
        self._clock = clock
        self._state = state
        self._counters = counters
        self._gauges = gauges
        self._last_counters: dict[str, int] = dict(counters()) if counters else {}
        self._pending: defaultdict[int, dict[str, int]] = defaultdict(dict)
        self._minute = -1
        self._current: dict[str, int] = {}
        self._answer_fields: dict[tuple[str, int, str | None], tuple[str, ...]] = {}
        self._unshared: dict[int, dict[str, int]] = {}  # minute -> counts to retry
        self._memory_at = -MEMORY_INTERVAL
        self._lock = asyncio.Lock()
        self.shared_error: str | None = None
        self.flushes = 0
        self._epoch: str | None = None  # the shared history's, as this worker last saw it
        self.rebuilds = 0

    def sample_gauges(self, gauges: Callable[[], Mapping[str, int]]) -> None:
        """Sample these gauges at each flush from now on (kept as the largest per step)."""
        self._gauges = gauges

    def sample_state(self, state: Callable[[], Awaitable[str]]) -> None:
        """Sample the upstream state (ok, degraded, down) at each flush from now on."""
        self._state = state

    # --- counting: synchronous, no I/O -----------------------------------------------------

    def _minute_counts(self) -> dict[str, int]:
        """The counts of the current minute (the dict is kept until the minute changes or
        a flush takes it: one clock read and no lookup per count)."""
        minute = int(self._clock() // MINUTE) * MINUTE
        if minute != self._minute:
            self._minute = minute
            self._current = self._pending[minute]
        return self._current

    def _count(self, field: str, n: int = 1) -> None:
        counts = self._minute_counts()
        counts[field] = counts.get(field, 0) + n

    def answer(self, route: str, status: int, cache_status: str | None, seconds: float) -> None:
        """One answer to an /api/* route (route template, never the path)."""
        counts = self._minute_counts()
        fields = self._answer_fields.get((route, status, cache_status))
        if fields is None:
            state = cache_state(cache_status)
            fields = (f"a|{route}|{status_class(status)}",) + (
                (f"c|{state}",) if state is not None else ()
            )
            if len(self._answer_fields) < ANSWER_FIELDS_MAX:
                self._answer_fields[(route, status, cache_status)] = fields
        for field in fields:
            counts[field] = counts.get(field, 0) + 1
        latency = LATENCY_FIELDS[history.latency_bucket(seconds)]
        counts[latency] = counts.get(latency, 0) + 1

    # --- the upstream report port (structurally the Dashboard client's UpstreamReports) -----

    async def succeeded(self, endpoint: str, *, outcome: str, seconds: float) -> None:
        self._count(f"u|{endpoint}|{outcome}")
        self._count(f"ul|{history.latency_bucket(seconds)}")

    async def failed(self, endpoint: str, error: str, *, outcome: str, seconds: float) -> None:
        self._count(f"u|{endpoint}|{outcome}")
        self._count(f"ul|{history.latency_bucket(seconds)}")

    async def refused(self, endpoint: str) -> None:
        self._count(f"u|{endpoint}|refused")

    async def last_success_at(self, endpoint: str) -> float | None:
        return None  # the shared marks know; the stats only count

    # --- flushing -----------------------------------------------------------------------

    async def _sample(self) -> None:
        """What is a state, not an event, into the current minute. Never raises: each
        sample that fails is left out of this flush alone."""
        if self._state is not None:
            try:
                self._count(f"s|{await self._state()}")
            except Exception as error:  # noqa: BLE001 - a sample never breaks a flush
                log.debug("stats: no upstream state: %s", error)
        if self._counters is not None:
            try:
                now = dict(self._counters())
                for name, value in now.items():
                    delta = value - self._last_counters.get(name, 0)
                    if delta > 0:
                        self._count(f"t|{name}", delta)
                self._last_counters = now
            except Exception as error:  # noqa: BLE001
                log.debug("stats: no counters: %s", error)
        gauges: dict[str, int] = {}
        try:
            if self._gauges is not None:
                gauges.update(self._gauges())
            if self.shared is not None and self._clock() - self._memory_at >= MEMORY_INTERVAL:
                self._memory_at = self._clock()
                info = await self.shared.memory_info()
                gauges.update({f"redis_{k}": v for k, v in (info or {}).items()})
        except Exception as error:  # noqa: BLE001
            log.debug("stats: no gauges: %s", error)
        counts = self._minute_counts()
        for name, value in gauges.items():
            _add(counts, {f"g|{name}": int(value)})

    async def flush(self) -> None:
        """Write what was counted since the last flush; at most one flush at a time.
        Never raises."""
        if self._lock.locked():
            return
        async with self._lock:
            await self._sample()
            minutes, self._pending = dict(self._pending), defaultdict(dict)
            self._minute = -1
            try:
                await self.local.add_counts(batches_of(minutes))
            except Exception as error:  # noqa: BLE001
                log.warning("stats: the local history refused counts: %s", error)
            if self.shared is not None:
                await self._flush_shared(minutes)
            self.flushes += 1

    async def _flush_shared(self, minutes: Mapping[int, Mapping[str, int]]) -> None:
        for minute, counts in minutes.items():
            _add(self._unshared.setdefault(minute, {}), counts)
        oldest = self._clock() - RETRY_FOR
        for minute in [m for m in self._unshared if m < oldest]:
            del self._unshared[minute]
        if not self._unshared:
            return
        assert self.shared is not None
        try:
            epoch = await self.shared.counts_epoch(EPOCH_KEY, secrets.token_hex(8), EPOCH_TTL)
            if self._epoch is not None and epoch != self._epoch:
                # Redis lost the history: add back all this worker counted (its own copy
                # already holds the counts of this flush and of any refused earlier).
                log.warning("stats: the shared history was lost; adding this worker's back")
                await self.shared.add_counts(self.local.all_counts())
                self.rebuilds += 1
            else:
                await self.shared.add_counts(batches_of(self._unshared))
            self._epoch = epoch
        except Exception as error:  # noqa: BLE001 - recording never fails anything
            if self.shared_error is None:
                log.warning("stats: shared history unavailable: %s", error)
            self.shared_error = f"{type(error).__name__}: {error}"
            return
        self._unshared.clear()
        if self.shared_error is not None:
            log.warning("stats: shared history available again")
        self.shared_error = None

    async def run(self) -> None:
        """Flush every `flush_interval` seconds until cancelled, and once more then."""
        try:
            while True:
                await asyncio.sleep(self.flush_interval)
                await self.flush()
        finally:
            await asyncio.shield(self.flush())

    # --- reading ------------------------------------------------------------------------

    async def read(self, range_name: str, now: float | None = None) -> dict:
        """The range's points from the shared history, or this worker's own when the shared
        store cannot be read (then `shared` is False and `shared_error` says why)."""
        now = self._clock() if now is None else now
        _, step = history.step_of(range_name)
        starts = history.step_starts(now, range_name)
        keys = [step_key(step, start) for start in starts]
        source, error = "shared", None
        hashes: list[dict[str, int]] | None = None
        if self.shared is not None:
            try:
                hashes = await self.shared.read_counts(keys)
            except Exception as failure:  # noqa: BLE001
                error = f"{type(failure).__name__}: {failure}"
                self.shared_error = error
        if hashes is None:
            source = "this worker" if self.shared is not None else "this process"
            hashes = await self.local.read_counts(keys)
        points = [history.point(t, counts) for t, counts in zip(starts, hashes, strict=True)]
        return {
            "range": range_name,
            "step_s": step,
            "source": source,
            "shared": source == "shared",
            "shared_error": error if source != "shared" else None,
            "summary": history.summary(points, step, range_name),
            "points": points,
        }
