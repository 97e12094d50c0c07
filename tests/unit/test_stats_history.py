"""The stats history's pure parts and the recorder over memory stores (one failing)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

import pytest

from outreach_helper.cache.memory import MemoryStore
from outreach_helper.stats import history
from outreach_helper.stats.recorder import Recorder, batches_of, cache_state, step_key

NOW = 1_765_000_000.0  # 2025-12-06T05:46:40Z


def test_each_range_has_its_step_and_ends_with_the_step_holding_now() -> None:
    for name, (span, step) in history.RANGES.items():
        starts = history.step_starts(NOW, name)
        assert len(starts) == span // step + 1
        assert starts[-1] <= NOW < starts[-1] + step
        assert all(b - a == step for a, b in zip(starts, starts[1:], strict=False))
        assert step in history.RESOLUTIONS and history.RESOLUTIONS[step] >= span + step


def test_a_bad_range_names_the_good_ones() -> None:
    with pytest.raises(history.BadRange, match="1h, 24h, 7d"):
        history.step_of("2d")


def test_percentiles_from_buckets() -> None:
    assert history.percentile({}, 0.5) is None
    # 100 answers between 10 and 20 ms: p50 halfway, p95 near the top
    bucket = history.latency_bucket(0.015)
    assert history.LATENCY_BOUNDS_MS[bucket - 1] == 10
    assert history.percentile({bucket: 100}, 0.5) == 15.0
    assert history.percentile({bucket: 100}, 0.95) == 19.5
    # 90 fast, 10 slow: p95 lies in the slow bucket
    slow = history.latency_bucket(0.7)
    assert 500 < history.percentile({0: 90, slow: 10}, 0.95) <= 1000
    assert history.percentile({len(history.LATENCY_BOUNDS_MS): 3}, 0.5) == 60000


def test_a_point_from_counts() -> None:
    counts = {
        "a|/api/users/{username}|2xx": 7, "a|/api/users/{username}|4xx": 2,
        "a|unmatched|4xx": 1, "c|hit": 6, "c|miss": 1, "al|3": 10,
        "u|user_stats|found": 2, "u|user_stats|timeout": 1, "u|course|bad_response": 1,
        "u|course|refused": 4, "u|users|not_found": 1, "s|ok": 3, "s|down": 1,
        "t|tier_hits": 5, "g|redis_used_memory": 1000,
    }  # fmt: skip
    p = history.point(int(NOW // 60 * 60), counts)
    assert p["t"] == "2025-12-06T05:46:00Z"
    assert p["requests"] == 10 and p["status"] == {"2xx": 7, "3xx": 0, "4xx": 3, "5xx": 0}
    assert p["cache"] == {"hit": 6, "miss": 1}
    up = p["upstream"]
    assert (up["requests"], up["errors"], up["refused"], up["not_found"]) == (5, 2, 4, 1)
    assert up["state"] == "down"  # the worst any worker saw in the step
    assert p["tier_hits"] == 5 and p["gauges"] == {"redis_used_memory": 1000}


def test_summary_finds_the_longest_outage() -> None:
    starts = history.step_starts(NOW, "1h")
    states = ["ok"] * 10 + ["down"] * 4 + ["ok"] + ["down"] * 2 + ["ok"] * (len(starts) - 17)
    points = [
        history.point(t, {"s|" + s: 1, "c|hit": 1, "a|r|2xx": 1})
        for t, s in zip(starts, states, strict=True)
    ]
    text = history.summary(points, 60, "1h")
    assert "longest outage 4 min" in text["upstream"]
    assert text["state"].startswith("upstream down for 6 min over 1 h")
    assert text["cache"].startswith("hit ratio 100.0% over 1 h")


def test_cache_states_from_the_headers_we_send() -> None:
    assert cache_state("outreach-helper; hit") == "hit"
    assert cache_state("outreach-helper; hit; fwd=stale") == "stale"
    assert cache_state("outreach-helper; hit; fwd=stale; detail=stale-if-error") == "stale-if-error"
    assert cache_state("outreach-helper; fwd=miss; stored") == "miss"
    assert cache_state(None) is None


def test_a_minute_goes_into_one_hash_per_resolution() -> None:
    minute = int(NOW // 60 * 60)
    keys = [key for key, _, _ in batches_of({minute: {"a|r|2xx": 1}})]
    assert keys == [step_key(60, minute), step_key(300, minute // 300 * 300),
                    step_key(3600, minute // 3600 * 3600)]  # fmt: skip


class Failing(MemoryStore):
    """A shared store that is down until `up` is set."""

    up = False

    async def add_counts(self, batches: Sequence[tuple[str, float, Mapping[str, int]]]) -> None:
        if not self.up:
            raise ConnectionError("redis: down")
        await super().add_counts(batches)

    async def read_counts(self, keys: Sequence[str]) -> list[dict[str, int]]:
        if not self.up:
            raise ConnectionError("redis: down")
        return await super().read_counts(keys)


def test_the_recorder_keeps_counting_when_the_shared_store_fails_and_catches_up() -> None:
    async def scenario() -> None:
        clock = [NOW]
        shared = Failing()
        recorder = Recorder(MemoryStore(), shared, clock=lambda: clock[0])
        for status in (200, 200, 404, 503):
            recorder.answer("/api/users/{username}", status, "outreach-helper; hit", 0.004)
        await recorder.succeeded("user_stats", outcome="found", seconds=0.2)
        await recorder.failed("course", "course: no answer", outcome="timeout", seconds=10)
        await recorder.refused("course")
        await recorder.flush()  # the shared store refuses: no error, kept for later
        assert recorder.shared_error == "ConnectionError: redis: down"
        answer = await recorder.read("1h")
        assert (answer["shared"], answer["source"]) == (False, "this worker")
        assert sum(p["requests"] for p in answer["points"]) == 4
        assert sum(p["status"]["5xx"] for p in answer["points"]) == 1
        assert sum(p["upstream"]["requests"] for p in answer["points"]) == 2
        assert sum(p["upstream"]["refused"] for p in answer["points"]) == 1
        shared.up = True
        clock[0] += 61  # the next minute: the first minute's counts are still sent
        recorder.answer("/api/users/{username}", 200, None, 0.004)
        await recorder.flush()
        assert recorder.shared_error is None
        answer = await recorder.read("1h")
        assert answer["shared"] and sum(p["requests"] for p in answer["points"]) == 5
        assert sum(p["cache"].get("hit", 0) for p in answer["points"]) == 4
        assert sum(p["requests"] for p in (await recorder.read("7d"))["points"]) == 5

    asyncio.run(scenario())


def test_counters_are_recorded_as_increments_and_gauges_as_the_largest() -> None:
    async def scenario() -> None:
        hits = {"tier_hits": 10}
        size = {"knowledge_bytes": 5}
        recorder = Recorder(
            MemoryStore(), None, clock=lambda: NOW, counters=lambda: hits, gauges=lambda: size
        )
        hits["tier_hits"] = 13
        await recorder.flush()
        size["knowledge_bytes"] = 2
        await recorder.flush()
        answer = await recorder.read("24h")
        (point,) = [p for p in answer["points"] if p["gauges"]]
        assert point["tier_hits"] == 3 and point["gauges"] == {"knowledge_bytes": 5}
        assert answer["source"] == "this process"

    asyncio.run(scenario())


def test_a_history_redis_lost_is_added_back_once() -> None:
    async def scenario() -> None:
        shared = MemoryStore()
        recorder = Recorder(MemoryStore(), shared, clock=lambda: NOW)
        for _ in range(3):
            recorder.answer("/api/users/{username}", 200, None, 0.001)
        await recorder.flush()
        shared._counts.clear()  # Redis restarted empty
        recorder.answer("/api/users/{username}", 200, None, 0.001)
        await recorder.flush()
        await recorder.flush()
        for range_name in ("1h", "24h", "7d"):
            answer = await recorder.read(range_name)
            assert sum(p["requests"] for p in answer["points"]) == 4
        assert recorder.rebuilds == 1

    asyncio.run(scenario())
