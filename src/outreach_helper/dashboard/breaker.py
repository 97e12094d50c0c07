"""A circuit breaker per upstream endpoint, so a failing Dashboard is left alone.

    closed     calls go through; `failure_threshold` failures in a row open the circuit
    open       calls fail at once with `CircuitOpen` for `cooldown` seconds
    half-open  after the cool-down exactly one call (the probe) goes through; the others
               still fail at once. The probe's success closes the circuit, its failure
               opens it for another cool-down.

It lives in one process: each worker learns for itself that the Dashboard is down, which
costs at most `failure_threshold` calls per worker, and in exchange needs no shared state
on the hot path.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from enum import StrEnum

from outreach_helper.dashboard.outcomes import CircuitOpen


class CircuitState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half-open"


class CircuitBreaker:
    """Call `allow()` before a request, then exactly one of `success()`, `failure()`
    or `abandon()` (the request was cancelled, which says nothing about the upstream)."""

    def __init__(
        self,
        name: str,
        *,
        failure_threshold: int,
        cooldown: float,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.name = name
        self._threshold = failure_threshold
        self._cooldown = cooldown
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False

    @property
    def state(self) -> CircuitState:
        if self._opened_at is None:
            return CircuitState.CLOSED
        if self._clock() - self._opened_at < self._cooldown:
            return CircuitState.OPEN
        return CircuitState.HALF_OPEN

    @property
    def failures(self) -> int:
        """Failures in a row so far."""
        return self._failures

    def allow(self) -> None:
        """Raise CircuitOpen unless this call may go to the upstream."""
        state = self.state
        if state is CircuitState.CLOSED:
            return
        if state is CircuitState.HALF_OPEN and not self._probing:
            self._probing = True
            return
        raise CircuitOpen(
            f"{self.name}: the Dashboard failed {self._failures} times in a row; "
            "not calling it while it cools down",
            retry_after=self._retry_after(),
        )

    def success(self) -> None:
        self._failures = 0
        self._opened_at = None
        self._probing = False

    def failure(self) -> None:
        self._failures += 1
        if self._probing or self._failures >= self._threshold:
            self._opened_at = self._clock()
        self._probing = False

    def abandon(self) -> None:
        """The call was cancelled: let the next one probe instead."""
        self._probing = False

    def _retry_after(self) -> float:
        if self._opened_at is None:  # pragma: no cover - only called while open
            return 1.0
        left = self._opened_at + self._cooldown - self._clock()
        return float(max(1, math.ceil(left)))
