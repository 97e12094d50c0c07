"""Bodies serialised once, and the memo that keeps them until their data or window changes."""

from __future__ import annotations

import gzip

import orjson

from outreach_helper.rendering import GZIP_MIN_SIZE, RenderMemo, etag_of, render


def test_render_small_and_large() -> None:
    small = render({"a": 1})
    assert small.content == b'{"a":1}' and small.gzipped is None
    large = render({"names": [f"user {n}" for n in range(500)]})
    assert len(large.content) > GZIP_MIN_SIZE
    assert large.gzipped is not None and len(large.gzipped) < len(large.content)
    assert gzip.decompress(large.gzipped) == large.content
    assert orjson.loads(large.content)["names"][3] == "user 3"


def test_etag_follows_the_content() -> None:
    assert etag_of(b"a") == etag_of(b"a") != etag_of(b"b")
    assert render({"a": 1}).etag == render({"a": 1}).etag != render({"a": 2}).etag


def test_memo_until_valid_until() -> None:
    memo = RenderMemo()
    body = render({"a": 1})
    memo.put(("k",), body, valid_until=100.0)
    assert memo.get(("k",), now=99.9) == (body, 100.0)
    assert memo.get(("k",), now=100.0) is None
    assert memo.get(("k",), now=50.0) is None  # dropped once expired
    assert memo.get(("other",), now=0.0) is None


def test_memo_is_bounded_and_keeps_the_recently_used() -> None:
    memo = RenderMemo(max_entries=2)
    one, two, three = render(1), render(2), render(3)
    memo.put("one", one, float("inf"))
    memo.put("two", two, float("inf"))
    assert memo.get("one", 0.0) is not None  # "two" is now the least recently used
    memo.put("three", three, float("inf"))
    assert len(memo) == 2
    assert memo.get("two", 0.0) is None
    assert memo.get("one", 0.0) == (one, float("inf"))
