"""The circuit breaker's states, driven by a hand-moved clock."""

from __future__ import annotations

import pytest

from outreach_helper.dashboard.breaker import CircuitBreaker, CircuitState, cooldown_after
from outreach_helper.dashboard.outcomes import CircuitOpen


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def breaker(clock: Clock) -> CircuitBreaker:
    return CircuitBreaker("user_stats", failure_threshold=3, cooldown=30, clock=clock)


def fail(breaker: CircuitBreaker, times: int) -> None:
    for _ in range(times):
        breaker.allow()
        breaker.failure()


def test_opens_after_the_threshold_of_failures_in_a_row(breaker: CircuitBreaker) -> None:
    fail(breaker, 2)
    assert breaker.state is CircuitState.CLOSED
    fail(breaker, 1)
    assert breaker.state is CircuitState.OPEN
    with pytest.raises(CircuitOpen) as refused:
        breaker.allow()
    assert refused.value.status == 503 and refused.value.retry_after == 30


def test_a_success_resets_the_count(breaker: CircuitBreaker) -> None:
    fail(breaker, 2)
    breaker.allow()
    breaker.success()
    fail(breaker, 2)
    assert breaker.state is CircuitState.CLOSED


def test_half_open_lets_exactly_one_probe_through(breaker: CircuitBreaker, clock: Clock) -> None:
    fail(breaker, 3)
    clock.now += 29
    with pytest.raises(CircuitOpen) as refused:
        breaker.allow()
    assert refused.value.retry_after == 1
    clock.now += 1
    assert breaker.state is CircuitState.HALF_OPEN
    breaker.allow()  # the probe
    for _ in range(5):
        with pytest.raises(CircuitOpen):
            breaker.allow()


def test_probe_success_closes(breaker: CircuitBreaker, clock: Clock) -> None:
    fail(breaker, 3)
    clock.now += 30
    breaker.allow()
    breaker.success()
    assert breaker.state is CircuitState.CLOSED
    breaker.allow()
    breaker.allow()


def test_probe_failure_opens_for_another_cooldown(breaker: CircuitBreaker, clock: Clock) -> None:
    fail(breaker, 3)
    clock.now += 30
    breaker.allow()
    breaker.failure()
    assert breaker.state is CircuitState.OPEN
    clock.now += 29.5
    assert breaker.state is CircuitState.OPEN
    clock.now += 0.5
    assert breaker.state is CircuitState.HALF_OPEN


def test_an_abandoned_probe_lets_the_next_call_probe(breaker: CircuitBreaker, clock: Clock) -> None:
    fail(breaker, 3)
    clock.now += 30
    breaker.allow()
    breaker.abandon()
    breaker.allow()
    with pytest.raises(CircuitOpen):
        breaker.allow()


# --- the cool-down follows the outage ---------------------------------------------------


def test_cooldown_schedule_young_outage_then_doubling() -> None:
    def after(age: float, previous: float | None) -> float:
        return cooldown_after(age, previous, first=1, maximum=30)

    assert after(0, None) == 1  # the circuit just opened
    assert after(3, 1) == 1  # a young outage: at least the first cool-down
    assert after(16, 1) == pytest.approx(2)  # an eighth of its age
    assert after(20, 2) == pytest.approx(2.5)
    assert after(29.9, 4) == pytest.approx(29.9 / 8)
    assert after(31, 4.2) == pytest.approx(8.4)  # older: doubling
    assert after(60, 16.8) == 30  # up to the maximum
    assert after(3000, 30) == 30
    assert cooldown_after(0, None, first=50, maximum=30) == 30  # never past the maximum


def probe_times(breaker: CircuitBreaker, clock: Clock, until: float) -> list[float]:
    """Ask every 0.1 s while the upstream is dead; when each probe went through."""
    start, probes = clock.now, []
    while clock.now - start < until:
        try:
            breaker.allow()
        except CircuitOpen:
            pass
        else:
            probes.append(round(clock.now - start, 1))
            breaker.failure()
        clock.now += 0.1
    return probes


def test_a_short_outage_is_probed_within_seconds(clock: Clock) -> None:
    breaker = CircuitBreaker("user_stats", failure_threshold=1, cooldown=30,
                             first_cooldown=1, clock=clock)  # fmt: skip
    probes = probe_times(breaker, clock, until=60)
    assert probes[:3] == pytest.approx([0, 1, 2], abs=0.25)  # 1 s apart at first
    # Around 20 s into the outage, the gaps are 2.5 s: a blip that ended is noticed.
    gaps = [b - a for a, b in zip(probes, probes[1:], strict=False) if a <= 20 <= b]
    assert gaps and max(gaps) <= 2.7
    # Then they double.
    late = [b - a for a, b in zip(probes, probes[1:], strict=False) if a >= 30]
    assert late == sorted(late) and late[-1] <= 30.2


def test_an_hour_costs_about_one_probe_per_max_cooldown(clock: Clock) -> None:
    breaker = CircuitBreaker("user_stats", failure_threshold=1, cooldown=30,
                             first_cooldown=1, clock=clock)  # fmt: skip
    probes = probe_times(breaker, clock, until=3600)
    assert 3600 / 30 < len(probes) <= 150
    assert max(b - a for a, b in zip(probes, probes[1:], strict=False)) <= 30.2


def test_a_success_elsewhere_ends_the_cooldown(breaker: CircuitBreaker, clock: Clock) -> None:
    fail(breaker, 3)
    assert breaker.state is CircuitState.OPEN
    opened = clock.now
    assert not breaker.recovered_elsewhere(None)
    assert not breaker.recovered_elsewhere(opened - 5)  # before it opened: the same outage
    clock.now += 2
    assert breaker.recovered_elsewhere(opened + 1)
    assert breaker.state is CircuitState.HALF_OPEN
    breaker.allow()  # the probe
    with pytest.raises(CircuitOpen):
        breaker.allow()
    breaker.success()
    assert breaker.state is CircuitState.CLOSED


def test_a_probe_in_flight_is_not_ended_by_a_success_elsewhere(
    breaker: CircuitBreaker, clock: Clock
) -> None:
    fail(breaker, 3)
    clock.now += 30
    breaker.allow()
    assert breaker.probe_due is False
    assert not breaker.recovered_elsewhere(clock.now)
