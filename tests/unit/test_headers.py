"""Cache headers as pure functions of an answer's facts; If-None-Match; Accept-Encoding."""

from __future__ import annotations

import pytest

from outreach_helper.api.headers import (
    accepts_gzip,
    answer_headers,
    cache_control,
    not_modified,
)
from outreach_helper.cache.engine import CacheState
from outreach_helper.rendering import render
from outreach_helper.service import Answer, Grace

NOW = 1_000_000.0
GRACE = Grace(stale_while_revalidate=1000, stale_if_error=5000)


def answer(fresh_for: float, *, changes_in: float | None = None, age: float = 0,
           state: CacheState = CacheState.FRESH) -> Answer:  # fmt: skip
    return Answer(
        body=render({"a": 1}),
        now=NOW,
        fetched_at=NOW - age,
        state=state,
        fresh_until=NOW + fresh_for,
        changes_at=None if changes_in is None else NOW + changes_in,
        grace=GRACE,
    )


def test_fresh_answer_keeps_the_remaining_freshness_and_the_windows() -> None:
    assert cache_control(answer(300)) == (
        "public, max-age=300, stale-while-revalidate=1000, stale-if-error=5000"
    )


def test_stale_answer_has_what_is_left_of_the_windows() -> None:
    stale = answer(-400, state=CacheState.STALE)
    assert cache_control(stale) == (
        "public, max-age=0, stale-while-revalidate=600, stale-if-error=4600"
    )
    beyond = answer(-2000, state=CacheState.STALE_IF_ERROR)
    assert (
        cache_control(beyond) == "public, max-age=0, stale-while-revalidate=0, stale-if-error=3000"
    )


@pytest.mark.parametrize(
    ("fresh_for", "changes_in", "expected"),
    [
        (300, 100, (100, 0, 0)),  # the boundary comes first: nothing may be kept past it
        (300, 800, (300, 500, 500)),  # fresh, then stale only up to the boundary
        (300, 100_000, (300, 1000, 5000)),  # the boundary is far away: no cap
        (-50, 20, (0, 20, 20)),  # stale now, the boundary still caps
        (300, 0, (0, 0, 0)),
    ],
)
def test_window_boundary_caps_everything(
    fresh_for: float, changes_in: float, expected: tuple[int, int, int]
) -> None:
    max_age, swr, sie = expected
    assert cache_control(answer(fresh_for, changes_in=changes_in)) == (
        f"public, max-age={max_age}, stale-while-revalidate={swr}, stale-if-error={sie}"
    )


def test_answer_headers() -> None:
    headers = answer_headers(answer(10, age=42.9, state=CacheState.STALE))
    assert headers["Age"] == "42"
    assert headers["Cache-Status"] == "outreach-helper; hit; fwd=stale"
    assert headers["ETag"].startswith('W/"')


@pytest.mark.parametrize(
    ("header", "expected"),
    [(None, False), ("", False), ('W/"abc"', True), ('"abc"', True), ('W/"abd"', False),
     ('"x", W/"abc"', True), ("*", True), ('"x",  "y"', False)],
)  # fmt: skip
def test_if_none_match_uses_weak_comparison(header: str | None, expected: bool) -> None:
    assert not_modified(header, 'W/"abc"') is expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [(None, False), ("", False), ("gzip", True), ("gzip, deflate, br", True),
     ("br;q=1.0, gzip;q=0.8", True), ("gzip;q=0", False), ("identity", False), ("*", True),
     ("GZIP", True), ("deflate", False), ("gzip;q=x", False)],
)  # fmt: skip
def test_accept_encoding(header: str | None, expected: bool) -> None:
    assert accepts_gzip(header) is expected
