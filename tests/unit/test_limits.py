"""The size rules of `api/limits.py`, on ASGI scopes."""

from __future__ import annotations

from outreach_helper.api.limits import (
    MAX_HEADER_BYTES,
    MAX_TARGET_BYTES,
    header_size,
    refusal,
    target_size,
)


def scope(path: bytes = b"/", query: bytes = b"", headers: list | None = None) -> dict:
    return {"type": "http", "path": path.decode(), "raw_path": path, "query_string": query,
            "headers": headers or []}  # fmt: skip


def test_the_target_counts_path_question_mark_and_query_as_sent() -> None:
    assert target_size(scope(b"/api/users/A%20B")) == len("/api/users/A%20B")
    assert target_size(scope(b"/a", b"x=1")) == len("/a?x=1")


def test_a_target_of_the_limit_passes_one_byte_more_is_414() -> None:
    query = b"p=" + b"x" * (MAX_TARGET_BYTES - len(b"/a?p="))
    assert target_size(scope(b"/a", query)) == MAX_TARGET_BYTES
    assert refusal(scope(b"/a", query)) is None
    assert refusal(scope(b"/a", query + b"x"))[0] == 414


def test_headers_count_each_line_with_its_separator_and_crlf() -> None:
    assert header_size(scope(headers=[(b"host", b"x")])) == len(b"host: x\r\n")
    value = b"v" * (MAX_HEADER_BYTES - len(b"x-pad: \r\n"))
    assert refusal(scope(headers=[(b"x-pad", value)])) is None
    assert refusal(scope(headers=[(b"x-pad", value + b"v")]))[0] == 431


def test_a_long_target_is_414_even_with_long_headers() -> None:
    huge = [(b"x-pad", b"v" * MAX_HEADER_BYTES)]
    assert refusal(scope(b"/" + b"a" * MAX_TARGET_BYTES, headers=huge))[0] == 414
