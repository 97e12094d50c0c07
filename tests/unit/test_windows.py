from datetime import UTC, datetime, timedelta, timezone

import pytest

from outreach_helper.domain.windows import (
    has_ended,
    next_boundary,
    parse_timestamp,
    within_window,
)

NOV_1 = datetime(2025, 11, 1, tzinfo=UTC)
NOV_30 = datetime(2025, 11, 30, 23, 59, 59, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-11-01T00:00:00.000Z", NOV_1),
        ("2025-11-01T00:00:00Z", NOV_1),
        ("2025-11-01T00:00:00+00:00", NOV_1),
        ("2025-11-01T01:00:00+01:00", NOV_1),
        ("2025-10-31T19:00:00-05:00", NOV_1),
        ("2025-11-01T00:00:00+01:00", datetime(2025, 10, 31, 23, tzinfo=UTC)),
        ("2025-11-01", NOV_1),
        ("2025-11-01T00:00:00", NOV_1),  # naive means UTC
        ("  2025-11-01T00:00:00Z  ", NOV_1),
        ("2025-11-01 00:00:00 UTC", NOV_1),  # Ruby's default format
        (
            "2025-10-20T09:12:44.123Z",
            datetime(2025, 10, 20, 9, 12, 44, 123000, tzinfo=UTC),
        ),
        ("2025-11-30T23:59:59.000Z", NOV_30),
    ],
)
def test_parse_timestamp(value: str, expected: datetime) -> None:
    parsed = parse_timestamp(value)
    assert parsed == expected
    assert parsed is not None
    assert parsed.utcoffset() == timedelta(0)
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "   ",
        "n/a",
        "not a date",
        "2025-13-01",
        "2025-02-30T00:00:00Z",
        "2025-11-01T25:00:00Z",
        "9999-12-31T23:59:59-01:00",  # out of range once converted to UTC
        20251101,
        1762000000.0,
        True,
        b"2025-11-01",
        ["2025-11-01"],
        {"at": "2025-11-01"},
    ],
)
def test_parse_timestamp_invalid(value: object) -> None:
    assert parse_timestamp(value) is None


def test_parse_timestamp_accepts_datetimes() -> None:
    plus_one = timezone(timedelta(hours=1))
    assert parse_timestamp(datetime(2025, 11, 1, 1, tzinfo=plus_one)) == NOV_1
    assert parse_timestamp(datetime(2025, 11, 1)) == NOV_1


START = "2025-11-01T00:00:00.000Z"
END = "2025-11-30T23:59:59.000Z"


@pytest.mark.parametrize(
    ("start", "end", "now", "expected"),
    [
        (START, END, datetime(2025, 11, 15, 12, tzinfo=UTC), True),
        (START, END, NOV_1, True),  # inclusive start
        (START, END, NOV_30, True),  # inclusive end
        (START, END, NOV_1 - timedelta(microseconds=1), False),
        (START, END, NOV_30 + timedelta(microseconds=1), False),
        (START, END, datetime(2026, 1, 1, tzinfo=UTC), False),
        (START, END, datetime(2025, 11, 15), True),  # naive now means UTC
        (START, END, datetime(2025, 11, 1, 0, 30, tzinfo=timezone(timedelta(hours=1))), False),
        (START, START, NOV_1, True),  # zero-length window
        (END, START, datetime(2025, 11, 15, tzinfo=UTC), False),  # inverted
        (END, START, NOV_1, False),
        (None, END, NOV_1, None),
        (START, None, NOV_1, None),
        ("garbage", END, NOV_1, None),
        (START, "", NOV_1, None),
        (None, None, NOV_1, None),
    ],
)
def test_within_window(start: object, end: object, now: datetime, expected: bool | None) -> None:
    assert within_window(start, end, now) is expected


@pytest.mark.parametrize(
    ("start", "end", "now", "expected"),
    [
        (START, END, datetime(2025, 10, 1, tzinfo=UTC), NOV_1),
        (START, END, datetime(2025, 11, 15, tzinfo=UTC), NOV_30),
        (START, END, NOV_1, NOV_30),  # strictly after now
        (START, END, NOV_30, NOV_30),  # at the end instant: the flags flip right after
        (START, END, NOV_30 + timedelta(microseconds=1), None),
        (START, END, datetime(2026, 1, 1, tzinfo=UTC), None),
        (None, END, datetime(2025, 10, 1, tzinfo=UTC), NOV_30),
        (START, None, datetime(2025, 10, 1, tzinfo=UTC), NOV_1),
        (START, "garbage", datetime(2025, 11, 2, tzinfo=UTC), None),
        (None, None, NOV_1, None),
        (END, START, datetime(2025, 10, 1, tzinfo=UTC), NOV_1),  # earliest, whatever order
        (START, END, datetime(2025, 10, 1), NOV_1),  # naive now means UTC
    ],
)
def test_next_boundary(
    start: object, end: object, now: datetime, expected: datetime | None
) -> None:
    assert next_boundary(start, end, now) == expected


def test_has_ended_is_end_before_now() -> None:
    """course.json.jbuilder: `json.ended @course.end < Time.zone.now`."""
    end = "2025-11-15T12:00:00.000Z"
    assert has_ended(end, datetime(2025, 11, 15, 12, 0, 1, tzinfo=UTC)) is True
    assert has_ended(end, datetime(2025, 11, 15, 12, tzinfo=UTC)) is False
    assert has_ended(None, datetime(2025, 11, 15, tzinfo=UTC)) is None
