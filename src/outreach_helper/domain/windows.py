"""Timestamps and course time windows (``start``/``end``, ``timeline_start``/``timeline_end``).

Upstream sends ISO-8601 strings; bad or missing values must mean "unknown" (None),
never an exception or a guess.
"""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["has_ended", "next_boundary", "parse_timestamp", "within_window"]


def _as_utc(moment: datetime) -> datetime:
    """Treat naive datetimes as UTC (upstream times are UTC) and convert aware ones."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_timestamp(value: object) -> datetime | None:
    """Parse an ISO-8601 string into an aware UTC datetime, or None.

    Accepts "2025-11-01T00:00:00.000Z", "...Z", "...+01:00", a bare date (midnight UTC)
    and Ruby's "2025-11-01 00:00:00 UTC". An aware or naive datetime is accepted as is
    (converted to UTC). Anything else, including out-of-range values, gives None.
    """
    try:
        if isinstance(value, datetime):
            return _as_utc(value)
        if not isinstance(value, str):
            return None
        text = value.strip()
        if not text:
            return None
        if text.endswith(" UTC"):
            text = text[: -len(" UTC")] + "+00:00"
        return _as_utc(datetime.fromisoformat(text))
    except (ValueError, OverflowError):
        return None


def within_window(start: object, end: object, now: datetime) -> bool | None:
    """Whether ``now`` lies in [start, end] (inclusive); None when a bound is unknown.

    An inverted window (end before start) contains nothing.
    """
    begin = parse_timestamp(start)
    finish = parse_timestamp(end)
    if begin is None or finish is None:
        return None
    if finish < begin:
        return False
    return begin <= _as_utc(now) <= finish


def has_ended(end: object, now: datetime) -> bool | None:
    """The Dashboard's `ended` (`@course.end < Time.zone.now`, course.json.jbuilder), for
    `now`; None when the end is unknown."""
    finish = parse_timestamp(end)
    return None if finish is None else finish < _as_utc(now)


def next_boundary(start: object, end: object, now: datetime) -> datetime | None:
    """When within_window (or has_ended) may next change: the start if it lies strictly
    after ``now``, the end if it lies at or after ``now`` (the window includes its end,
    so the flags flip just after it: an answer built at that very instant must not be
    kept). Used to cap cache lifetimes; None when no bound lies ahead.
    """
    moment = _as_utc(now)
    begin, finish = parse_timestamp(start), parse_timestamp(end)
    future = [
        parsed
        for parsed, included in ((begin, False), (finish, True))
        if parsed is not None and (parsed > moment or (included and parsed == moment))
    ]
    return min(future, default=None)
