"""Full-jitter backoff after failed fetches, and its stored record."""

from __future__ import annotations

import random

import pytest

from outreach_helper.cache.backoff import RETRY_AFTER_CEILING, Backoff, BackoffPolicy
from outreach_helper.dashboard.outcomes import (
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
