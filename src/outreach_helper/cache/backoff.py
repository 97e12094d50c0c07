"""Backing off a key after a failed fetch, so a dead Dashboard is not asked on every request.

After the n-th failure in a row the key is not fetched again for a random time between 0
and min(cap, base * 2**(n-1)) seconds ("full jitter", from AWS's "Exponential Backoff and
Jitter"), or for as long as the Dashboard's Retry-After asked, if that is longer. The
record is stored under `backoff:` in the shared store, so every worker honours it; it
outlives its delay by `cap` seconds so that the delays of a flapping Dashboard keep
growing, and it is deleted by the next success.

A failure in an outage of the whole endpoint is not the key's fault: once the endpoint
answers again anywhere (a later success in the shared marks, `upstream_marks.py`), the
record stands aside and the key is fetched at once. A key that fails again after such a
success fails on its own (`own`): its record then holds whatever the endpoint does
elsewhere, as before.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass

import orjson

from outreach_helper.dashboard.outcomes import CircuitOpen, UpstreamError, error_for_status

# The longest Retry-After honoured; a Dashboard asking for more is asked again sooner.
RETRY_AFTER_CEILING = 600.0


@dataclass(frozen=True, slots=True)
class Backoff:
    """A key's failures in a row, and the last one: what to answer until `retry_at`."""

    failures: int
    failed_at: float
    retry_at: float
    status: int
    detail: str
    # The key failed again after its endpoint had answered elsewhere: its own failure,
    # which a success of another key does not end.
    own: bool = False

    def active(self, now: float) -> bool:
        return now < self.retry_at

    def ended_by(self, last_success_at: float | None) -> bool:
        """Whether a success of the endpoint at `last_success_at` ends this backoff: it
        came after the failure, and the failure was not the key's own."""
        return not self.own and last_success_at is not None and last_success_at > self.failed_at

    def error(self, now: float) -> UpstreamError:
        """The remembered failure, to answer while backing off."""
        return error_for_status(
            self.status, self.detail, retry_after=max(1, math.ceil(self.retry_at - now))
        )

    def to_json(self) -> bytes:
        return orjson.dumps(
            {"failures": self.failures, "failed_at": self.failed_at, "retry_at": self.retry_at,
             "status": self.status, "detail": self.detail, "own": self.own}
        )  # fmt: skip

    @classmethod
    def from_json(cls, raw: bytes | str) -> Backoff:
        """Raises ValueError on anything else (treated as no backoff)."""
        try:
            value = orjson.loads(raw)
            return cls(
                int(value["failures"]), float(value["failed_at"]), float(value["retry_at"]),
                int(value["status"]), str(value["detail"]), bool(value.get("own", False)),
            )  # fmt: skip
        except (KeyError, TypeError, AttributeError) as error:
            raise ValueError("not a backoff record") from error


@dataclass(frozen=True, slots=True)
class BackoffPolicy:
    base: float = 2.0
    cap: float = 60.0

    def delay(self, failures: int, rand: Callable[[], float] = random.random) -> float:
        """Full jitter: uniform between 0 and the capped exponential."""
        ceiling = min(self.cap, self.base * 2 ** min(failures - 1, 30))
        return ceiling * rand()

    def after_failure(
        self,
        previous: Backoff | None,
        error: UpstreamError,
        now: float,
        rand: Callable[[], float] = random.random,
        last_success_at: float | None = None,
        cold: bool = False,
    ) -> Backoff:
        """The record after another failure; `last_success_at`: the endpoint's latest
        success known anywhere (a key failing again after it fails on its own).

        A `cold` key's first failure (nothing stored to answer instead) holds nothing
        back: its caller got the error, and the next caller tries again rather than get
        it replayed after the Dashboard is back (the breaker bounds what that costs). The
        record still tells the other workers waiting for this fetch that it failed."""
        failures = (previous.failures if previous is not None else 0) + 1
        delay = 0.0 if cold and failures == 1 else self.delay(failures, rand)
        if error.retry_after is not None:
            delay = max(delay, min(error.retry_after, RETRY_AFTER_CEILING))
        # Refused by the breaker, nothing was sent: that says nothing about the key.
        sent = not isinstance(error, CircuitOpen)
        own = previous is not None and (
            previous.own or (sent and previous.ended_by(last_success_at))
        )
        return Backoff(failures, now, now + delay, error.status, error.detail, own)

    def keep_for(self, backoff: Backoff, now: float) -> float:
        """How long the store keeps the record: its delay, then `cap` to remember failures."""
        return max(0.0, backoff.retry_at - now) + self.cap
