"""Full-jitter backoff after failed fetches, and its stored record."""

from __future__ import annotations

import random

import pytest

from outreach_helper.cache.backoff import RETRY_AFTER_CEILING, Backoff, BackoffPolicy
from outreach_helper.dashboard.outcomes import (
    CircuitOpen,
    UpstreamBadResponse,
    UpstreamTimeout,
    UpstreamUnavailable,
)

POLICY = BackoffPolicy(base=2, cap=60)


@pytest.mark.parametrize(
    ("failures", "ceiling"), [(1, 2), (2, 4), (3, 8), (5, 32), (6, 60), (7, 60), (500, 60)]
)
def test_ceiling_doubles_up_to_the_cap(failures: int, ceiling: float) -> None:
    assert POLICY.delay(failures, rand=lambda: 0.0) == 0.0
    assert POLICY.delay(failures, rand=lambda: 0.999999) == pytest.approx(ceiling, rel=1e-5)


def test_delays_are_spread_over_the_whole_range() -> None:
    rng = random.Random(7)
    delays = [POLICY.delay(6, rng.random) for _ in range(2000)]
    assert 0 <= min(delays) < 3 and 57 < max(delays) <= 60
    assert 27 < sum(delays) / len(delays) < 33  # uniform on [0, 60]: mean 30


def test_failures_accumulate_and_carry_the_error() -> None:
    first = POLICY.after_failure(None, UpstreamBadResponse("500"), now=1000, rand=lambda: 0.5)
    assert (first.failures, first.failed_at, first.retry_at) == (1, 1000, 1001)
    assert (first.status, first.detail) == (502, "500")
    second = POLICY.after_failure(first, UpstreamTimeout("slow"), now=1002, rand=lambda: 0.5)
    assert (second.failures, second.retry_at, second.status) == (2, 1004, 504)


def test_retry_after_is_honoured_up_to_a_ceiling() -> None:
    asked = UpstreamUnavailable("503", retry_after=120)
    assert POLICY.after_failure(None, asked, now=0, rand=lambda: 0.5).retry_at == 120
    greedy = UpstreamUnavailable("503", retry_after=10**6)
    assert POLICY.after_failure(None, greedy, now=0, rand=lambda: 0.5).retry_at == (
        RETRY_AFTER_CEILING
    )


def test_the_record_outlives_its_delay_by_the_cap() -> None:
    backoff = Backoff(3, failed_at=10, retry_at=15, status=503, detail="x")
    assert POLICY.keep_for(backoff, now=10) == 65
    assert POLICY.keep_for(backoff, now=20) == 60


def test_the_remembered_error_is_replayed_with_retry_after() -> None:
    backoff = Backoff(1, failed_at=10, retry_at=12.2, status=503, detail="refused")
    assert backoff.active(12.1) and not backoff.active(12.2)
    error = backoff.error(now=10)
    assert isinstance(error, UpstreamUnavailable)
    assert (error.status, error.detail, error.retry_after) == (503, "refused", 3)
    assert isinstance(Backoff(1, 0, 1, 502, "x").error(0), UpstreamBadResponse)


def test_json_round_trip_and_garbage() -> None:
    backoff = Backoff(2, 1.5, 3.25, 504, "slow")
    assert Backoff.from_json(backoff.to_json()) == backoff
    for raw in (b"[]", b"{}", b'{"failures": 1}', b"null"):
        with pytest.raises(ValueError):
            Backoff.from_json(raw)


# --- outages: a success elsewhere ends the backoff of keys that failed in it ------------


def test_a_later_success_ends_a_backoff_but_not_an_own_one() -> None:
    backoff = Backoff(4, failed_at=100, retry_at=150, status=503, detail="refused")
    assert not backoff.ended_by(None)
    assert not backoff.ended_by(99) and not backoff.ended_by(100)
    assert backoff.ended_by(100.5)
    own = Backoff(4, failed_at=100, retry_at=150, status=502, detail="500", own=True)
    assert not own.ended_by(120)


def test_failing_again_after_the_endpoint_answered_is_the_keys_own_failure() -> None:
    error = UpstreamBadResponse("500")
    first = POLICY.after_failure(None, error, now=100, rand=lambda: 0.5, last_success_at=90)
    assert not first.own  # an outage, as far as anyone knows
    # No success since: still an outage.
    second = POLICY.after_failure(first, error, now=101, rand=lambda: 0.5, last_success_at=90)
    assert not second.own
    # The endpoint answered (another key) at 102, and this key failed again: its own.
    third = POLICY.after_failure(second, error, now=103, rand=lambda: 0.5, last_success_at=102)
    assert third.own
    fourth = POLICY.after_failure(third, error, now=200, rand=lambda: 0.5, last_success_at=102)
    assert fourth.own and fourth.failures == 4


def test_a_refusal_of_the_breaker_never_makes_a_failure_the_keys_own() -> None:
    first = POLICY.after_failure(None, UpstreamUnavailable("down"), now=100, rand=lambda: 0.5)
    refused = POLICY.after_failure(first, CircuitOpen("open"), now=103, rand=lambda: 0.5,
                                   last_success_at=102)  # fmt: skip
    assert not refused.own and refused.failures == 2


def test_a_cold_keys_first_failure_holds_nothing_back() -> None:
    error = UpstreamUnavailable("down")
    first = POLICY.after_failure(None, error, now=100, rand=lambda: 0.9, cold=True)
    assert first.failed_at == 100 and not first.active(100)
    second = POLICY.after_failure(first, error, now=101, rand=lambda: 0.5, cold=True)
    assert second.active(101.5) and second.retry_at == 103
    asked = UpstreamUnavailable("503", retry_after=30)
    assert POLICY.after_failure(None, asked, now=0, rand=lambda: 0.5, cold=True).retry_at == 30


def test_old_records_without_own_still_read() -> None:
    raw = b'{"failures": 2, "failed_at": 1, "retry_at": 2, "status": 503, "detail": "x"}'
    assert Backoff.from_json(raw).own is False
    own = Backoff(2, 1, 2, 503, "x", own=True)
    assert Backoff.from_json(own.to_json()) == own
