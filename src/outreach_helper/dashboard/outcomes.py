"""Typed outcomes of an upstream request, distinct all the way up to the HTTP answer.

A request either finds something (`Found`), learns that it does not exist (`NotFound`,
which is cached as a negative entry), learns that what the cache holds is still current
(`NotModified`, the answer to a conditional request), or fails (an `UpstreamError`,
never cached).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Validators:
    """`ETag` and `Last-Modified` of an upstream answer, sent back to revalidate it."""

    etag: str | None = None
    last_modified: str | None = None

    def __bool__(self) -> bool:
        return bool(self.etag or self.last_modified)


@dataclass(frozen=True, slots=True)
class FetchOptions:
    """How the cache wants a document fetched.

    `validators` make the request conditional (a 304 becomes `NotModified`); `background`
    marks a refresh nobody is waiting for, the only kind that may be retried.
    """

    validators: Validators | None = None
    background: bool = False


@dataclass(frozen=True, slots=True)
class Found:
    """The upstream answered with a usable, already trimmed record."""

    data: Any
    validators: Validators | None = None


@dataclass(frozen=True, slots=True)
class NotFound:
    """The upstream answered 404: unknown or private (the two look the same)."""


@dataclass(frozen=True, slots=True)
class NotModified:
    """The upstream answered 304: the record the cache holds is still current."""


class UpstreamError(Exception):
    """The upstream could not give an answer; `status` is the HTTP status we answer with."""

    status = 502
    title = "Bad gateway"
    outcome = "bad_response"  # the label in metrics

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
    outcome = "unavailable"


class UpstreamTimeout(UpstreamError):
    """No answer within the deadline (or within the caller's foreground budget)."""

    status = 504
    title = "Upstream timeout"
    outcome = "timeout"


class CircuitOpen(UpstreamUnavailable):
    """Not sent at all: recent calls to this endpoint failed, and it is cooling down."""

    title = "Upstream unavailable (circuit open)"


def error_for_status(status: int, detail: str, retry_after: float | None) -> UpstreamError:
    """The error that answers `status` (to replay a failure remembered by another worker)."""
    kinds: dict[int, type[UpstreamError]] = {503: UpstreamUnavailable, 504: UpstreamTimeout}
    return kinds.get(status, UpstreamBadResponse)(detail, retry_after=retry_after)


Outcome = Found | NotFound | NotModified
