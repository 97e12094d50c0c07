"""The circuit breaker's states, driven by a hand-moved clock."""

from __future__ import annotations

import pytest

from outreach_helper.dashboard.breaker import CircuitBreaker, CircuitState
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
