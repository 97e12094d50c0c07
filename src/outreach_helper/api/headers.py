"""Response headers that tell a caller how fresh an answer is."""

from __future__ import annotations

from outreach_helper.cache.engine import CacheState, Lookup

# RFC 9211 Cache-Status values for each engine state.
_CACHE_STATUS = {
    CacheState.FRESH: "outreach-helper; hit",
    CacheState.STALE: "outreach-helper; hit; fwd=stale",
    CacheState.STALE_IF_ERROR: "outreach-helper; hit; fwd=stale; detail=stale-if-error",
    CacheState.MISS: "outreach-helper; fwd=miss; stored",
}


def freshness_headers(lookup: Lookup, now: float) -> dict[str, str]:
    """`Age` (seconds since the Dashboard answered) and `Cache-Status`."""
    return {
        "Age": str(max(0, int(now - lookup.entry.fetched_at))),
        "Cache-Status": _CACHE_STATUS[lookup.state],
    }
