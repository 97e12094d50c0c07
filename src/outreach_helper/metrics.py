"""Prometheus metrics, one definition each; every gunicorn worker counts.

Under gunicorn, gunicorn.conf.py sets PROMETHEUS_MULTIPROC_DIR before the workers import
this module, so prometheus-client writes each worker's figures to files that /metrics
adds up. Without it (one process, tests) the default in-memory registry is used.
"""

from __future__ import annotations

import asyncio
import functools
import os
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

PREFIX = "outreach_helper"
# Answers are milliseconds from cache and up to FOREGROUND_TIMEOUT from the Dashboard.
SECONDS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

requests = Counter(f"{PREFIX}_requests", "HTTP requests answered", ["route", "status"])
request_seconds = Histogram(
    f"{PREFIX}_request_seconds", "Time to answer an HTTP request", ["route"], buckets=SECONDS
)
cache_lookups = Counter(
    f"{PREFIX}_cache_lookups",
    "Cache lookups by outcome: fresh, stale, stale-if-error, miss, negative",
    ["kind", "state"],
)


@functools.cache
def cache_lookup(kind: str, state: str) -> Any:
    """The counter of one (kind, state), looked up once: `labels()` costs more than the
    increment, and a warm enriched answer counts 21 lookups."""
    return cache_lookups.labels(kind, state)


coalesced_waiters = Counter(
    f"{PREFIX}_coalesced_waiters", "Lookups that joined a fetch already under way", ["kind"]
)
# Upstream figures are per dashboard (`DASHBOARDS`): one dashboard's trouble is its own.
upstream_requests = Counter(
    f"{PREFIX}_upstream_requests",
    "Requests to a Dashboard by outcome",
    ["dashboard", "endpoint", "outcome"],
)
upstream_seconds = Histogram(
    f"{PREFIX}_upstream_seconds",
    "Dashboard response time",
    ["dashboard", "endpoint"],
    buckets=SECONDS,
)
breaker_open = Gauge(
    f"{PREFIX}_breaker_open",
    "1 while the circuit breaker of a Dashboard endpoint is open (half-open counts as open)",
    ["dashboard", "endpoint"],
    multiprocess_mode="max",
)
redis_errors = Counter(f"{PREFIX}_redis_errors", "Redis commands that failed or timed out")
answer_age_seconds = Histogram(
    f"{PREFIX}_answer_age_seconds",
    "Age of the cached data in answers (seconds since the Dashboard answered)",
    buckets=(1, 10, 60, 300, 900, 3600, 4 * 3600, 86400, 7 * 86400),
)

# Measured when /metrics is read, so a soak can see that tasks do not pile up. The label
# tells the worker apart: with `serve --workers N` each scrape is answered by one worker
# and its own registry (under gunicorn the multi-process files add a `pid` label too).
asyncio_tasks = Gauge(
    f"{PREFIX}_asyncio_tasks",
    "asyncio tasks alive in this worker's event loop when /metrics was read",
    ["worker"],
    multiprocess_mode="liveall",
)


def count_tasks() -> None:
    """Set this worker's task gauge; called from the event loop (the /metrics route)."""
    asyncio_tasks.labels(str(os.getpid())).set(len(asyncio.all_tasks()))


def exposition() -> tuple[bytes, str]:
    """The text format for /metrics, summed over all workers when there are several."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return generate_latest(registry), CONTENT_TYPE_LATEST
