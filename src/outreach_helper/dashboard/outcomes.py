"""Typed outcomes of an upstream request, distinct all the way up to the HTTP answer.

A request either finds something (`Found`), learns that it does not exist (`NotFound`,
which is cached as a negative entry), or fails (an `UpstreamError`, never cached).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Found:
    """The upstream answered with a usable, already trimmed record."""

    data: Any


@dataclass(frozen=True, slots=True)
class NotFound:
    """The upstream answered 404: unknown or private (the two look the same)."""


class UpstreamError(Exception):
    """The upstream could not give an answer; `status` is the HTTP status we answer with."""

    status = 502
    title = "Bad gateway"

    def __init__(self, detail: str, *, retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retry_after = retry_after


class UpstreamBadResponse(UpstreamError):
    """5xx, a redirect, or a body that is not the JSON we expect."""

    status = 502
    title = "Bad gateway"


class UpstreamUnavailable(UpstreamError):
    """Connection refused or reset, or the Dashboard asked us to back off (429/503)."""

    status = 503
    title = "Upstream unavailable"


class UpstreamTimeout(UpstreamError):
    """No answer within the deadline (or within the caller's foreground budget)."""

    status = 504
    title = "Upstream timeout"


Outcome = Found | NotFound
