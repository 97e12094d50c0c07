"""The shared upstream marks: down/ok, merging, cheap writes, and what they end."""

from __future__ import annotations

import pytest

from outreach_helper.cache.backoff import Backoff
from outreach_helper.cache.engine import CacheState, Kind, SWRCache, Windows
from outreach_helper.cache.memory import MemoryStore
from outreach_helper.cache.upstream_marks import Mark, UpstreamMarks
from outreach_helper.dashboard.outcomes import Found, UpstreamUnavailable

KIND = Kind("user", ttl=100, endpoint="user_stats")
WINDOWS = Windows(stale_while_revalidate=50, stale_if_error=1000, not_found_ttl=60)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class CountingStore(MemoryStore):
    def __init__(self) -> None:
        super().__init__()
        self.mark_writes = 0
        self.mark_reads = 0

    async def record_mark(self, endpoint: str, mark: Mark) -> None:
        self.mark_writes += 1
        await super().record_mark(endpoint, mark)

    async def read_marks(self, endpoints: list[str]) -> list[Mark]:
        self.mark_reads += 1
        return await super().read_marks(endpoints)


def test_down_means_the_latest_call_failed() -> None:
    assert not Mark().down
    assert Mark(last_failure_at=5).down
    assert Mark(last_success_at=4, last_failure_at=5).down
    assert not Mark(last_success_at=6, last_failure_at=5).down
    assert Mark(last_success_at=6).succeeded_after(5) and not Mark().succeeded_after(5)


def test_merging_keeps_the_newer_of_each_and_the_error_of_the_newer_failure() -> None:
    one = Mark(last_success_at=10, last_failure_at=5, last_error="old")
    two = Mark(last_success_at=8, last_failure_at=12, last_error="new")
    assert one.merged(two) == Mark(10, 12, "new")
    assert two.merged(one) == Mark(10, 12, "new")
    assert one.merged(Mark()) == one and Mark().merged(one) == one


def test_stored_fields_round_trip_and_odd_ones_are_absent() -> None:
    mark = Mark(1.5, 2.25, "user_stats: ConnectError")
    fields = {k.encode(): v.encode() for k, v in mark.to_fields().items()}
    assert Mark.from_fields(fields) == mark
    assert Mark(last_success_at=3).to_fields() == {"last_success_at": "3"}
    assert Mark.from_fields({"last_success_at": "soon", "last_error": ""}) == Mark()


async def test_failures_are_always_written_successes_at_most_once_a_second() -> None:
    clock, store = Clock(), CountingStore()
    marks = UpstreamMarks(store, clock=clock)
    for _ in range(5):
        await marks.succeeded("user_stats")
        clock.now += 0.1
    assert store.mark_writes == 1
    clock.now += 1
    await marks.succeeded("user_stats")
    assert store.mark_writes == 2
    clock.now += 0.1
    await marks.failed("user_stats", "user_stats: ConnectError")
    await marks.failed("user_stats", "user_stats: ConnectError")
    assert store.mark_writes == 4
    # The first success after a failure this worker knows of is written at once.
    clock.now += 0.1
    await marks.succeeded("user_stats")
    assert store.mark_writes == 5
    assert not (await marks.read())["user_stats"].down


async def test_a_worker_sees_another_workers_marks_after_a_refresh() -> None:
    clock, store = Clock(), CountingStore()
    one, two = UpstreamMarks(store, clock=clock), UpstreamMarks(store, clock=clock)
    await one.failed("course", "course: the Dashboard answered 500")
    assert two.view("course") == Mark()
    await two.refresh()
    assert two.view("course").down and two.view("course").last_error.endswith("500")
    await one.succeeded("course")
    await two.refresh()  # throttled: read less than 0.5 s ago
    assert two.view("course").down
    assert store.mark_reads == 1
    clock.now += 0.5
    await two.refresh()
    assert not two.view("course").down


def test_a_success_waives_outage_backoffs_and_a_due_probe_waives_cold_ones() -> None:
    marks = UpstreamMarks(MemoryStore(), clock=Clock())
    backoff = Backoff(3, failed_at=990, retry_at=1030, status=503, detail="refused")
    assert not marks.waives("user_stats", backoff, cold=True)
    marks.probe_due = lambda endpoint: endpoint == "user_stats"
    assert marks.waives("user_stats", backoff, cold=True)  # may be the probe
    assert not marks.waives("user_stats", backoff, cold=False)  # stale: answered from the entry
    assert not marks.waives("course", backoff, cold=True)
    marks.probe_due = lambda endpoint: False
    marks._view["course"] = Mark(last_success_at=995)
    assert marks.waives("course", backoff, cold=False)
    own = Backoff(3, failed_at=990, retry_at=1030, status=502, detail="500", own=True)
    assert not marks.waives("course", own, cold=True)


class Upstream:
    def __init__(self, *outcomes: object) -> None:
        self.outcomes = list(outcomes)
        self.calls = 0

    async def __call__(self, options: object) -> object:
        self.calls += 1
        outcome = self.outcomes[min(self.calls, len(self.outcomes)) - 1]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


async def test_a_success_in_another_worker_ends_a_cold_keys_backoff_at_once() -> None:
    clock, store = Clock(), MemoryStore()
    mine = UpstreamMarks(store, clock=clock)
    cache = SWRCache(store, WINDOWS, foreground_timeout=1, clock=clock, marks=mine,
                     rand=lambda: 0.99)  # fmt: skip
    upstream = Upstream(UpstreamUnavailable("refused"), UpstreamUnavailable("refused"),
                        Found({"v": 1}))  # fmt: skip
    for _ in range(2):
        with pytest.raises(UpstreamUnavailable):
            await cache.get(KIND, "a", upstream)
    with pytest.raises(UpstreamUnavailable):  # replayed: backing off for about 4 s
        await cache.get(KIND, "a", upstream)
    assert upstream.calls == 2
    clock.now += 0.6
    await UpstreamMarks(store, clock=clock).succeeded("user_stats")  # another worker
    lookup = await cache.get(KIND, "a", upstream)
    assert (lookup.state, lookup.data, upstream.calls) == (CacheState.MISS, {"v": 1}, 3)
