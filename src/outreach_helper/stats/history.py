"""Counts to points: which steps a range covers, and what each step's counts say.

Pure: time is passed in, nothing is read or written. The recorder adds counts into one
hash per step at three resolutions (`RESOLUTIONS`); a range is read at the one whose step
it is drawn with, so a 7-day page reads 169 hashes, not 10,080.

Field names in a step's counts (short, since every step of every resolution keeps them):

    a|ROUTE|CLASS      answers to /api/* by route template and status class (2xx..5xx)
    al|I               answers in latency bucket I (`LATENCY_BOUNDS_MS`)
    c|STATE            answers by Cache-Status state: hit, stale, stale-if-error, miss
    u|ENDPOINT|OUTCOME upstream requests: found, not_found, not_modified, timeout,
                       unavailable, bad_response; `refused` when the breaker sent nothing
    ul|I               upstream requests in latency bucket I
    s|STATE            samples of the upstream state (ok, degraded, down), one per flush
    t|NAME             other counts (t|tier_hits: answers from the in-process tier)
    g|NAME             gauges, kept as the largest value seen in the step (Redis memory)
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

# range name -> (seconds covered, step in seconds)
RANGES = {"1h": (3600, 60), "24h": (86400, 300), "7d": (7 * 86400, 3600)}
DEFAULT_RANGE = "24h"
# step -> how long its hashes are kept (a little more than the longest range drawn with it)
RESOLUTIONS = {60: 2 * 3600, 300: 25 * 3600, 3600: 8 * 86400}
# Upper bounds of the latency buckets, in milliseconds; one more bucket above the last.
LATENCY_BOUNDS_MS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000, 60000)
STATUS_CLASSES = ("2xx", "3xx", "4xx", "5xx")
UPSTREAM_ERRORS = ("timeout", "unavailable", "bad_response")
UPSTREAM_STATES = ("ok", "degraded", "down")


class BadRange(ValueError):
    """A range other than the ones the page draws."""


def step_of(range_name: str) -> tuple[int, int]:
    """(seconds covered, step) of a range; BadRange for any other name."""
    try:
        return RANGES[range_name]
    except KeyError:
        names = ", ".join(RANGES)
        raise BadRange(f"range must be one of {names}, not {range_name[:20]!r}") from None


def step_starts(now: float, range_name: str) -> list[int]:
    """The starts of the steps a range covers, oldest first, the last one holding `now`."""
    span, step = step_of(range_name)
    last = int(now // step) * step
    return [last - step * i for i in range(span // step, -1, -1)]


def containing(moment: float, step: int) -> int:
    return int(moment // step) * step


def latency_bucket(seconds: float) -> int:
    return bisect.bisect_left(LATENCY_BOUNDS_MS, seconds * 1000)


def percentile(buckets: Mapping[int, float], q: float) -> float | None:
    """The q-quantile (0..1) in ms of counts per latency bucket, linear within a bucket;
    None when there are no counts. The bucket above the last bound reads as that bound."""
    total = sum(buckets.values())
    if total <= 0:
        return None
    rank, seen = q * total, 0.0
    for index in sorted(buckets):
        count = buckets[index]
        if count <= 0:
            continue
        if seen + count >= rank:
            if index >= len(LATENCY_BOUNDS_MS):
                return float(LATENCY_BOUNDS_MS[-1])
            low = 0.0 if index == 0 else float(LATENCY_BOUNDS_MS[index - 1])
            high = float(LATENCY_BOUNDS_MS[index])
            return round(low + (high - low) * (rank - seen) / count, 2)
        seen += count
    return float(LATENCY_BOUNDS_MS[-1])


def merged(counts: Iterable[Mapping[str, float]]) -> dict[str, float]:
    """Counts added up; gauges (`g|`) keep the largest."""
    total: dict[str, float] = {}
    for one in counts:
        for field, value in one.items():
            if field.startswith("g|"):
                total[field] = max(total.get(field, value), value)
            else:
                total[field] = total.get(field, 0) + value
    return total


def _iso(moment: int) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _int(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def point(start: int, counts: Mapping[str, float]) -> dict:
    """One step of /stats.json from its counts."""
    status = dict.fromkeys(STATUS_CLASSES, 0)
    routes: dict[str, dict[str, int]] = {}
    cache: dict[str, int] = {}
    latency: dict[int, float] = {}
    upstream_latency: dict[int, float] = {}
    endpoints: dict[str, dict[str, int]] = {}
    states = dict.fromkeys(UPSTREAM_STATES, 0)
    other: dict[str, int | float] = {}
    gauges: dict[str, int | float] = {}
    for field, value in counts.items():
        kind, _, rest = field.partition("|")
        if kind == "a":
            route, _, cls = rest.rpartition("|")
            if cls in status:
                status[cls] += int(value)
                by_route = routes.setdefault(route, {})
                by_route[cls] = by_route.get(cls, 0) + int(value)
        elif kind == "c":
            cache[rest] = cache.get(rest, 0) + int(value)
        elif kind == "al" and rest.isdigit():
            latency[int(rest)] = value
        elif kind == "ul" and rest.isdigit():
            upstream_latency[int(rest)] = value
        elif kind == "u":
            endpoint, _, outcome = rest.rpartition("|")
            endpoints.setdefault(endpoint, {})[outcome] = int(value)
        elif kind == "s" and rest in states:
            states[rest] += int(value)
        elif kind == "t":
            other[rest] = _int(value)
        elif kind == "g":
            gauges[rest] = _int(value)
    sent = sum(n for e in endpoints.values() for o, n in e.items() if o != "refused")
    errors = sum(n for e in endpoints.values() for o, n in e.items() if o in UPSTREAM_ERRORS)
    refused = sum(e.get("refused", 0) for e in endpoints.values())
    return {
        "t": _iso(start),
        "requests": sum(status.values()),
        "status": status,
        "cache": cache,
        "p50_ms": percentile(latency, 0.5),
        "p95_ms": percentile(latency, 0.95),
        "routes": routes,
        "upstream": {
            "requests": sent,
            "errors": errors,
            "refused": refused,
            "not_found": sum(e.get("not_found", 0) for e in endpoints.values()),
            "p50_ms": percentile(upstream_latency, 0.5),
            "p95_ms": percentile(upstream_latency, 0.95),
            "endpoints": endpoints,
            "state": upstream_state(states),
        },
        **other,
        "gauges": gauges,
    }


def upstream_state(samples: Mapping[str, int]) -> str | None:
    """A step's upstream state: the worst any worker saw in it; None if nobody looked."""
    for state in ("down", "degraded", "ok"):
        if samples.get(state, 0) > 0:
            return state
    return None


def _duration(seconds: int) -> str:
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def summary(points: list[dict], step: int, range_name: str) -> dict[str, str]:
    """One line of text per chart, over the whole range."""
    answers = sum(p["requests"] for p in points)
    status = {cls: sum(p["status"][cls] for p in points) for cls in STATUS_CLASSES}
    cache = merged(p["cache"] for p in points)
    looked_up = sum(cache.values())
    hits = sum(v for k, v in cache.items() if k != "miss")
    sent = sum(p["upstream"]["requests"] for p in points)
    errors = sum(p["upstream"]["errors"] for p in points)
    refused = sum(p["upstream"]["refused"] for p in points)
    p95s = [p["p95_ms"] for p in points if p["p95_ms"] is not None]
    down_steps = longest = run = 0
    for p in points:
        if p["upstream"]["state"] == "down":
            down_steps += 1
            run += 1
            longest = max(longest, run)
        else:
            run = 0
    over = f"over {range_name.replace('h', ' h').replace('d', ' d')}"
    ratio = f"hit ratio {100 * hits / looked_up:.1f}%" if looked_up else "no cache lookups"
    five = f"{100 * status['5xx'] / answers:.1f}% 5xx" if answers else "no 5xx"
    outage = f"longest outage {_duration(longest * step)}" if longest else "no outage seen"
    return {
        "answers": f"{answers} answers {over}; {five}; worst step p95 "
        + (f"{max(p95s):g} ms" if p95s else "none"),
        "cache": f"{ratio} {over} ({hits} of {looked_up} answers from the cache)",
        "upstream": f"{sent} requests to the Dashboard {over}; {errors} failed, "
        f"{refused} refused by the breaker; {outage}",
        "state": f"upstream down for {_duration(down_steps * step)} {over}; {outage}"
        if down_steps
        else f"upstream never seen down {over}",
    }
