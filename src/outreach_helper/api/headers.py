"""Response headers that tell a caller how fresh an answer is, and how long to keep it.

Browsers and proxies may keep an answer as long as our own cache would call it fresh, and
use it stale as long as our own windows allow; an answer whose activity flags could flip
at a window boundary is never kept, fresh or stale, past that boundary.
"""

from __future__ import annotations

import math

from outreach_helper.cache.engine import CacheState
from outreach_helper.service import Answer

# RFC 9211 Cache-Status values for each engine state.
CACHE_STATUS = {
    CacheState.FRESH: "outreach-helper; hit",
    CacheState.STALE: "outreach-helper; hit; fwd=stale",
    CacheState.STALE_IF_ERROR: "outreach-helper; hit; fwd=stale; detail=stale-if-error",
    CacheState.MISS: "outreach-helper; fwd=miss; stored",
}


def _seconds(value: float) -> int:
    return max(0, math.floor(value))


def cache_control(answer: Answer) -> str:
    """`public, max-age` (remaining freshness), `stale-while-revalidate` and `stale-if-error`
    (what is left of our own windows past that), all capped at `changes_at`."""
    now, fresh_until = answer.now, answer.fresh_until
    max_age = _seconds(fresh_until - now)
    swr = _seconds(fresh_until + answer.grace.stale_while_revalidate - now) - max_age
    sie = _seconds(fresh_until + answer.grace.stale_if_error - now) - max_age
    if answer.changes_at is not None:
        horizon = _seconds(answer.changes_at - now)
        max_age = min(max_age, horizon)
        swr = min(swr, horizon - max_age)
        sie = min(sie, horizon - max_age)
    return f"public, max-age={max_age}, stale-while-revalidate={swr}, stale-if-error={sie}"


def answer_headers(answer: Answer) -> dict[str, str]:
    """ETag, Cache-Control, `Age` (seconds since the Dashboard answered) and Cache-Status."""
    return {
        "ETag": answer.body.etag,
        "Cache-Control": cache_control(answer),
        "Age": str(_seconds(answer.now - answer.fetched_at)),
        "Cache-Status": CACHE_STATUS[answer.state],
    }


def _opaque(tag: str) -> str:
    return tag[2:] if tag.startswith("W/") else tag


def not_modified(if_none_match: str | None, etag: str) -> bool:
    """Whether `If-None-Match` matches `etag` (weak comparison, RFC 9110 section 13.1.2)."""
    if not if_none_match:
        return False
    wanted = _opaque(etag)
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or _opaque(candidate) == wanted:
            return True
    return False


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether `Accept-Encoding` allows gzip (named or `*`, with a q-value above 0)."""
    if not accept_encoding:
        return False
    for item in accept_encoding.lower().split(","):
        coding, _, params = item.partition(";")
        if coding.strip() not in ("gzip", "x-gzip", "*"):
            continue
        quality = params.strip()
        if quality.startswith("q="):
            try:
                return float(quality[2:]) > 0
            except ValueError:
                return False
        return True
    return False
