"""Spreading refreshes and expiries over time, so that keys do not all expire at once.

XFetch (Vattani, Chierichetti and Lowenstein, "Optimal Probabilistic Cache Stampede
Prevention", VLDB 2015): an entry read at `now` is refreshed early when

    now - duration * beta * ln(u) >= fetched_at + ttl,     u uniform in (0, 1]

`duration` being how long its last fetch took. The closer to expiry, and the slower the
fetch, the likelier an early refresh: a hot key is refreshed shortly before it goes
stale, once, and a cold one is left alone. Expiries in the store are jittered too.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable


def refresh_early(
    now: float,
    fetched_at: float,
    ttl: float,
    duration: float,
    beta: float,
    rand: Callable[[], float] = random.random,
) -> bool:
    """XFetch's test; False when beta or the measured duration is 0."""
    if beta <= 0 or duration <= 0:
        return False
    u = 1.0 - rand()  # in (0, 1], so the logarithm is defined
    return now - duration * beta * math.log(u) >= fetched_at + ttl


def stretch(seconds: float, jitter: float, rand: Callable[[], float] = random.random) -> float:
    """`seconds` made longer by a random 0..jitter fraction (the store keeps it at least
    as long as asked)."""
    return seconds * (1.0 + jitter * rand())


def shorten(seconds: float, jitter: float, rand: Callable[[], float] = random.random) -> float:
    """`seconds` made shorter by a random 0..jitter fraction (never longer than asked)."""
    return seconds * (1.0 - jitter * rand())
