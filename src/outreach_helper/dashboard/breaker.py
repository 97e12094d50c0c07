"""A circuit breaker per upstream endpoint, so a failing Dashboard is left alone.

    closed     calls go through; `failure_threshold` failures in a row open the circuit
    open       calls fail at once with `CircuitOpen` for the current cool-down
    half-open  after the cool-down exactly one call (the probe) goes through; the others
               still fail at once. The probe's success closes the circuit, its failure
               opens it for a longer cool-down (`cooldown_after`).

The cool-down follows the outage, not a fixed 30 s: while the outage is young it is an
eighth of its age (at least `first_cooldown`), so the end of a blip of 20 s is noticed
within 2.5 s; once the outage is older than `YOUNG_OUTAGE` it doubles with each failed
probe up to `max_cooldown`, so an hour of a dead Dashboard still costs one probe per
`max_cooldown`. A success of the endpoint seen by another worker (the shared marks,
`cache/upstream_marks.py`) ends the cool-down at once (`recovered_elsewhere`).

It lives in one process: each worker learns for itself that the Dashboard is down, which
costs at most `failure_threshold` calls per worker, and needs no shared state on the hot
path (the marks are only read while the circuit is not closed).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from enum import StrEnum

from outreach_helper.dashboard.outcomes import CircuitOpen

# An outage younger than this is probed at a fraction of its age; an older one is probed
# at cool-downs doubling up to the maximum.
YOUNG_OUTAGE = 30.0
YOUNG_FRACTION = 1 / 8


def cooldown_after(
    outage_age: float, previous: float | None, *, first: float, maximum: float
) -> float:
    """The cool-down that follows a failure that opens (or reopens) the circuit.

    `outage_age`: seconds since the first failure of this run of failures; `previous`:
    the cool-down that just ended (None when the circuit was closed)."""
    if previous is None:
        return min(first, maximum)
    if outage_age < YOUNG_OUTAGE:
        return min(maximum, max(first, outage_age * YOUNG_FRACTION))
    return min(maximum, max(first, previous * 2))


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
        first_cooldown: float | None = None,
        clock: Callable[[], float] = time.time,
    ):
        self.name = name
        self._threshold = failure_threshold
        self._max_cooldown = cooldown
        self._first_cooldown = cooldown if first_cooldown is None else first_cooldown
        self._clock = clock
        self._failures = 0
        self._first_failure_at: float | None = None  # the start of this run of failures
        self._opened_at: float | None = None
        self._cooldown: float | None = None  # of the current opening
        self._probing = False

    @property
    def state(self) -> CircuitState:
        if self._opened_at is None:
            return CircuitState.CLOSED
        assert self._cooldown is not None
        if self._clock() - self._opened_at < self._cooldown:
            return CircuitState.OPEN
        return CircuitState.HALF_OPEN

    @property
    def failures(self) -> int:
        """Failures in a row so far."""
        return self._failures

    @property
    def cooldown(self) -> float | None:
        """The current cool-down (None while closed)."""
        return self._cooldown if self._opened_at is not None else None

    @property
    def opened_at(self) -> float | None:
        return self._opened_at

    @property
    def probe_due(self) -> bool:
        """Half-open with nobody probing: the next call would be let through."""
        return self.state is CircuitState.HALF_OPEN and not self._probing

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
        self._first_failure_at = None
        self._opened_at = None
        self._cooldown = None
        self._probing = False

    def failure(self) -> None:
        now = self._clock()
        if self._failures == 0:
            self._first_failure_at = now
        self._failures += 1
        if self._probing or (self._opened_at is None and self._failures >= self._threshold):
            assert self._first_failure_at is not None
            previous = self._cooldown if self._opened_at is not None else None
            self._cooldown = cooldown_after(
                now - self._first_failure_at, previous,
                first=self._first_cooldown, maximum=self._max_cooldown,
            )  # fmt: skip
            self._opened_at = now
        self._probing = False

    def abandon(self) -> None:
        """The call was cancelled: let the next one probe instead."""
        self._probing = False

    def recovered_elsewhere(self, success_at: float | None) -> bool:
        """Another worker saw the endpoint answer at `success_at`: if that is after this
        circuit opened, end the cool-down now (half-open: the next call probes). Whether
        it did."""
        if success_at is None or self._opened_at is None or self._probing:
            return False
        if success_at <= self._opened_at or self.state is not CircuitState.OPEN:
            return False
        self._opened_at = self._clock() - (self._cooldown or 0.0)
        return True

    def _retry_after(self) -> float:
        if self._opened_at is None or self._cooldown is None:  # pragma: no cover
            return 1.0
        left = self._opened_at + self._cooldown - self._clock()
        return float(max(1, math.ceil(left)))
