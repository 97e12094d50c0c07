"""Dashboard outages on a simulated clock: workers made of the real client, breaker, marks
and cache over one shared store, and an upstream that counts what it is asked.

Only the network is replaced (an `httpx.MockTransport` that refuses connections or
answers 500 while "dead"), and time (a clock the simulation moves). Each worker is what a
process builds (`DashboardClient` + `SWRCache` + `UpstreamMarks`); the shared
`MemoryStore` plays Redis (leases, backoff records, marks). Used by
`tests/unit/test_outage_simulation.py` (bounds) and `bench/recovery.py` (figures).
"""

from __future__ import annotations

import asyncio
import json
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, unquote_plus

import httpx
import stamina

from outreach_helper.cache.engine import CacheState, Kind, SWRCache, Windows
from outreach_helper.cache.memory import MemoryStore
from outreach_helper.cache.upstream_marks import UpstreamMarks
from outreach_helper.components import build_policy
from outreach_helper.dashboard.client import DashboardClient
from outreach_helper.dashboard.outcomes import UpstreamError
from outreach_helper.settings import Settings

SAMPLE = (
    Path(__file__).resolve().parents[1] / "src/outreach_helper/demo/samples/user_stats.json"
).read_bytes()
USER = Kind("user", 3600, "user_stats")
START = 1_800_000_000.0


class SimClock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@dataclass
class Upstream:
    """The Dashboard: alive (answers every user) or dead ("down": refused; "500")."""

    mode: str | None = None  # None: alive
    sent: Counter[tuple[int, str]] = field(default_factory=Counter)  # (worker, username)

    def transport(self, worker: int) -> httpx.MockTransport:
        def handle(request: httpx.Request) -> httpx.Response:
            name = unquote_plus(unquote(request.url.params["username"]))
            self.sent[worker, name] += 1
            if self.mode == "down":
                raise httpx.ConnectError("connection refused", request=request)
            if self.mode == "500":
                return httpx.Response(500, text="<html>We're sorry</html>")
            return httpx.Response(200, content=SAMPLE)

        return httpx.MockTransport(handle)

    def per_worker(self) -> Counter[int]:
        counts: Counter[int] = Counter()
        for (worker, _), n in self.sent.items():
            counts[worker] += n
        return counts

    def per_key(self) -> Counter[str]:
        counts: Counter[str] = Counter()
        for (_, name), n in self.sent.items():
            counts[name] += n
        return counts


class Worker:
    def __init__(self, index: int, settings: Settings, store: MemoryStore, upstream: Upstream,
                 clock: SimClock):  # fmt: skip
        self.marks = UpstreamMarks(store, clock=clock)
        self.client = DashboardClient(settings, transport=upstream.transport(index),
                                      clock=clock, reports=self.marks)  # fmt: skip
        self.marks.probe_due = lambda endpoint: self.client.breakers[endpoint].probe_due
        windows = Windows(settings.stale_while_revalidate_ttl, settings.stale_if_error_ttl,
                          settings.not_found_cache_ttl)  # fmt: skip
        self.cache = SWRCache(store, windows, foreground_timeout=5, clock=clock,
                              policy=build_policy(settings), marks=self.marks)  # fmt: skip

    async def lookup(self, name: str) -> CacheState | None:
        """The state answered, None for an error (a 5xx to the caller)."""
        try:
            fetch = lambda options: self.client.user_stats(name, options)  # noqa: E731
            return (await self.cache.get(USER, name, fetch)).state
        except UpstreamError:
            return None

    async def aclose(self) -> None:
        await self.cache.aclose()
        await self.client.aclose()


class Simulation:
    """`workers` workers over one store and one upstream, on one simulated clock."""

    def __init__(self, settings: Settings, workers: int = 2) -> None:
        self.clock = SimClock()
        self.store = MemoryStore(clock=self.clock)
        self.upstream = Upstream()
        self.workers = [Worker(i, settings, self.store, self.upstream, self.clock)
                        for i in range(workers)]  # fmt: skip

    async def settle(self) -> None:
        """Let background refreshes (and reads of the marks) finish: no real waiting,
        the upstream is a mock."""
        for _ in range(10):
            await asyncio.sleep(0)
        for _ in range(10_000):
            if not any(w.cache.in_flight for w in self.workers):
                return
            await asyncio.sleep(0)
        raise AssertionError("background refreshes did not finish")

    async def aclose(self) -> None:
        for worker in self.workers:
            await worker.aclose()


@dataclass
class DeadHour:
    attempts_per_worker: list[int]
    attempts_per_key: dict[str, int]
    states: Counter[CacheState | None]
    recovered_after: float | None  # seconds until every key was fresh on every worker
    cold_after: float | None  # seconds until a cold lookup succeeded on every worker


async def dead_hour(
    settings: Settings, *, mode: str = "down", keys: int = 10, workers: int = 2,
    seconds: int = 3600, seed: int = 1,
) -> DeadHour:  # fmt: skip
    """`keys` hot users, stale, each asked every second on every worker while the
    Dashboard is dead for `seconds`; then how long until all are fresh again."""
    sim = Simulation(settings, workers)
    names = [f"Hot user {i}" for i in range(keys)]
    shuffle = random.Random(seed)
    states: Counter[CacheState | None] = Counter()
    try:
        for name in names:
            assert await sim.workers[0].lookup(name) is CacheState.MISS
        sim.clock.now += settings.user_cache_ttl + 1  # all stale
        sim.upstream.sent.clear()
        sim.upstream.mode = mode
        # stamina's testing mode: no real sleeping between attempts, still 3 attempts.
        with stamina.set_testing(True, attempts=settings.refresh_attempts, cap=True):
            for second in range(seconds):
                # Each second another worker goes first, and the users come in another
                # order, as real traffic spreads over workers and keys.
                turn = second % workers
                for worker in sim.workers[turn:] + sim.workers[:turn]:
                    for name in shuffle.sample(names, len(names)):
                        states[await worker.lookup(name)] += 1
                await sim.settle()
                sim.clock.now += 1
            per_worker = sim.upstream.per_worker()
            per_key = sim.upstream.per_key()
            sim.upstream.mode = None
            back_at = sim.clock.now
            recovered_after = cold_after = None
            for second in range(int(settings.breaker_cooldown + settings.backoff_cap) * 2):
                for worker in sim.workers:
                    for name in names:
                        await worker.lookup(name)
                # And a user nobody has cached, on each worker.
                cold = [await w.lookup(f"Cold user {second}-{i}") for i, w in
                        enumerate(sim.workers)]  # fmt: skip
                if cold_after is None and None not in cold:
                    cold_after = sim.clock.now - back_at
                await sim.settle()
                fresh = [await w.lookup(n) for w in sim.workers for n in names]
                if set(fresh) == {CacheState.FRESH} and cold_after is not None:
                    recovered_after = sim.clock.now - back_at
                    break
                sim.clock.now += 1
    finally:
        await sim.aclose()
    per_worker_list = [per_worker[i] for i in range(workers)]
    return DeadHour(per_worker_list, dict(per_key), states, recovered_after, cold_after)


@dataclass
class ShortOutage:
    failed_lookups: int  # 5xx answered during the outage
    recovered_after: float | None  # seconds from the return to cold lookups succeeding
    attempts_per_worker: list[int]


async def short_outage(
    settings: Settings, *, outage: float = 20.0, step: float = 0.1, workers: int = 2
) -> ShortOutage:
    """Cold lookups (new names, and names already asked) every `step` seconds on each
    worker through an outage of `outage` seconds; then the time from the Dashboard's
    return until, on every worker, both a name that failed during the outage and a new
    one are answered."""
    sim = Simulation(settings, workers)
    failed = 0
    count = 0

    def new_name() -> str:
        nonlocal count
        count += 1
        return f"Cold user {count}"

    asked: list[str] = []
    try:
        sim.upstream.mode = "down"
        outage_end = sim.clock.now + outage
        while sim.clock.now < outage_end:
            for worker in sim.workers:
                # Each worker is asked for a new name and for one asked before.
                names = [new_name()] + ([asked[count % len(asked)]] if asked else [])
                asked.append(names[0])
                for name in names:
                    failed += await worker.lookup(name) is None
            await sim.settle()
            sim.clock.now += step
        sim.upstream.mode = None
        back_at = sim.clock.now
        recovered_after = None
        while sim.clock.now - back_at < 120:
            answers = []
            for index, worker in enumerate(sim.workers):
                answers.append(await worker.lookup(asked[index]))  # failed in the outage
                answers.append(await worker.lookup(new_name()))
            await sim.settle()
            if None not in answers:
                recovered_after = sim.clock.now - back_at
                break
            sim.clock.now += step
        per_worker = sim.upstream.per_worker()
    finally:
        await sim.aclose()
    return ShortOutage(failed, recovered_after, [per_worker[i] for i in range(workers)])


def settings_for_simulation(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "outreach_base_url": "http://dashboard.invalid",
        "contact": "tests@example.org",
        "redis_url": None,
        "redis_host": None,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


def describe(result: DeadHour | ShortOutage) -> str:
    return json.dumps(result.__dict__, default=str)
