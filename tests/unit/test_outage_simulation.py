"""Outages on a simulated clock (`tests/outage_sim.py`): two workers of real clients,
breakers, marks and caches over one shared store; only the network and time are fake.

The bounds the issue sets: an hour of a dead Dashboard costs at most 150 upstream
attempts per worker and fewer than 60 per key, and every user is fresh again within
`BREAKER_COOLDOWN` + 3 s of its return; after a 20 s outage, cold lookups succeed
within 3 s of the return. `bench/recovery.py` prints the same figures.
"""

from __future__ import annotations

import pytest
import stamina

from outreach_helper.cache.engine import CacheState
from tests.outage_sim import Simulation, dead_hour, settings_for_simulation, short_outage

SETTINGS = settings_for_simulation()  # defaults: breaker 5, 1..30 s; backoff 2..60 s


@pytest.mark.parametrize("mode", ["down", "500"])
async def test_a_dead_hour_costs_a_bounded_number_of_attempts(mode: str) -> None:
    result = await dead_hour(SETTINGS, mode=mode, keys=10, workers=2)
    print(f"\ndead hour ({mode}): {result.attempts_per_worker} attempts per worker, "
          f"at most {max(result.attempts_per_key.values())} per key; after the return, "
          f"cold lookups succeed after {result.cold_after} s, all fresh after "
          f"{result.recovered_after} s")  # fmt: skip
    # Every answer came from the stale entries: nobody saw an error.
    assert set(result.states) <= {CacheState.STALE, CacheState.STALE_IF_ERROR}
    assert sum(result.states.values()) == 3600 * 10 * 2
    for attempts in result.attempts_per_worker:
        assert 3600 / 60 <= attempts <= 150  # it keeps probing, so the return is noticed
    assert max(result.attempts_per_key.values()) < 60
    # Cold lookups within a cool-down (the first probe of any worker, any key, ends it
    # for all); the stale users once a probe succeeded or their own backoff ended.
    assert result.cold_after is not None
    assert result.cold_after <= SETTINGS.breaker_cooldown + 3
    assert result.recovered_after is not None
    assert result.recovered_after <= SETTINGS.breaker_cooldown + SETTINGS.backoff_cap + 3


@pytest.mark.parametrize("outage", [12.0, 17.5, 19.0, 20.0, 20.5, 21.0])
async def test_after_a_short_outage_cold_lookups_succeed_within_seconds(outage: float) -> None:
    result = await short_outage(SETTINGS, outage=outage, step=0.1)
    assert result.failed_lookups > 0  # the outage was felt
    assert result.recovered_after is not None and result.recovered_after <= 3


async def test_a_single_failed_cold_lookup_is_not_replayed_once_the_dashboard_is_back() -> None:
    sim = Simulation(SETTINGS, workers=2)
    one, two = sim.workers
    try:
        sim.upstream.mode = "down"
        assert await one.lookup("Ada") is None
        sim.upstream.mode = None
        sim.clock.now += 0.2
        assert await two.lookup("Ada") is CacheState.MISS  # fetched, not replayed
    finally:
        await sim.aclose()


async def test_another_workers_success_reopens_this_workers_circuit_promptly() -> None:
    sim = Simulation(SETTINGS, workers=2)
    one, two = sim.workers
    try:
        sim.upstream.mode = "down"
        for index in range(SETTINGS.breaker_failures):
            assert await one.lookup(f"Cold {index}") is None
        assert str(one.client.breakers["user_stats"].state) == "open"
        sim.upstream.mode = None
        sim.clock.now += 0.6
        assert str(one.client.breakers["user_stats"].state) == "open"
        assert await two.lookup("Someone") is CacheState.MISS
        # Worker one's circuit would stay open for its cool-down; the shared mark ends it.
        assert one.client.breakers["user_stats"].cooldown is not None
        assert await one.lookup("Cold 0") is CacheState.MISS
        assert str(one.client.breakers["user_stats"].state) == "closed"
    finally:
        await sim.aclose()


async def test_a_success_elsewhere_ends_a_stale_keys_backoff_too() -> None:
    sim = Simulation(settings_for_simulation(backoff_base=100, backoff_cap=1000), workers=2)
    one, two = sim.workers
    one.cache._rand = lambda: 0.99  # its backoff: 99 s after the first failure
    try:
        assert await one.lookup("Ada") is CacheState.MISS
        sim.clock.now += 3601
        sim.upstream.mode = "500"
        with stamina.set_testing(True, attempts=1):
            assert await one.lookup("Ada") is CacheState.STALE  # its refresh fails
            await sim.settle()
            assert await one.lookup("Ada") is CacheState.STALE_IF_ERROR  # backing off
            sim.upstream.mode = None
            sim.clock.now += 1
            assert await two.lookup("Someone") is CacheState.MISS  # the Dashboard is back
            sim.clock.now += 0.5  # the marks are read at most every 0.5 s
            assert await one.lookup("Ada") is CacheState.STALE_IF_ERROR  # reads the marks
            await sim.settle()
            assert await one.lookup("Ada") is CacheState.STALE  # backoff ended: refreshing
            await sim.settle()
            assert await one.lookup("Ada") is CacheState.FRESH
    finally:
        await sim.aclose()
