"""XFetch early refresh and jittered expiries."""

from __future__ import annotations

import math
import random

import pytest

from outreach_helper.cache.spread import refresh_early, shorten, stretch

TTL = 3600.0


def share_refreshed(seconds_before_expiry: float, duration: float, beta: float = 1.0) -> float:
    rng = random.Random(1)
    now = 1000.0 + TTL - seconds_before_expiry
    trials = 20000
    hits = sum(refresh_early(now, 1000.0, TTL, duration, beta, rng.random) for _ in range(trials))
    return hits / trials


@pytest.mark.parametrize("before", [0.5, 2.0, 5.0])
def test_probability_follows_xfetch(before: float) -> None:
    # P(refresh) = P(-duration * beta * ln(u) >= before) = exp(-before / (duration * beta))
    expected = math.exp(-before / 2.0)
    assert share_refreshed(before, duration=2.0) == pytest.approx(expected, abs=0.02)


def test_slower_fetches_and_larger_beta_refresh_earlier() -> None:
    assert share_refreshed(10, duration=1) < share_refreshed(10, duration=5)
    assert share_refreshed(10, duration=1) < share_refreshed(10, duration=1, beta=4)


def test_far_from_expiry_never_and_at_expiry_always() -> None:
    assert share_refreshed(300, duration=2.0) == 0.0
    assert share_refreshed(0, duration=2.0) == 1.0


def test_no_measured_duration_or_zero_beta_means_no_early_refresh() -> None:
    now = 1000.0 + TTL - 0.001
    assert not refresh_early(now, 1000.0, TTL, duration=0.0, beta=1.0, rand=lambda: 0.999)
    assert not refresh_early(now, 1000.0, TTL, duration=5.0, beta=0.0, rand=lambda: 0.999)


def test_rand_of_zero_is_safe() -> None:
    assert not refresh_early(1000.0, 1000.0, TTL, duration=1.0, beta=1.0, rand=lambda: 0.0)


def test_jitter_stays_on_its_side() -> None:
    rng = random.Random(3)
    stretched = [stretch(100, 0.1, rng.random) for _ in range(1000)]
    shortened = [shorten(100, 0.1, rng.random) for _ in range(1000)]
    assert min(stretched) >= 100 and max(stretched) <= 110
    assert min(shortened) >= 90 and max(shortened) <= 100
    assert max(stretched) - min(stretched) > 9  # spread, not constant
    assert stretch(100, 0.0) == 100 == shorten(100, 0.0)
