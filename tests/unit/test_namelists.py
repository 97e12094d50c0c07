"""Pipe-separated username lists: split, normalised, de-duplicated, bounded."""

from __future__ import annotations

import pytest

from outreach_helper.domain.flags import parse_flag
from outreach_helper.domain.namelists import TooManyNames, parse_name_list


def test_split_normalise_and_merge_spellings() -> None:
    names = parse_name_list("ada_Example|Zoë Müller|Ada Example| ada Example |Bob")
    assert names.names == ["Ada Example", "Zoë Müller", "Bob"]
    assert names.invalid == []
    assert names.normalized == [("ada_Example", "Ada Example"), (" ada Example ", "Ada Example")]


def test_invalid_names_are_reported_not_fatal() -> None:
    names = parse_name_list("A<b|Ada|A<b|" + "x" * 300)
    assert names.names == ["Ada"]
    assert [raw for raw, _ in names.invalid] == ["A<b", "x" * 300]
    assert "forbids" in names.invalid[0][1]


def test_empty_items_are_skipped() -> None:
    assert parse_name_list("|Ada||Bob|").names == ["Ada", "Bob"]
    for raw in ("", "|", " | "):
        assert parse_name_list(raw).names == [] and parse_name_list(raw).invalid == []


def test_fifty_is_the_limit_counted_as_sent() -> None:
    assert parse_name_list("|".join(["A"] * 50)).names == ["A"]
    assert len(parse_name_list("|".join(f"U{n}" for n in range(50))).names) == 50
    with pytest.raises(TooManyNames):
        parse_name_list("|".join(["A"] * 51))
    with pytest.raises(TooManyNames):
        parse_name_list("|" * 50)


@pytest.mark.parametrize(
    ("value", "expected"), [("true", True), ("1", True), ("false", False), ("0", False),
                            (None, False)]
)  # fmt: skip
def test_flags(value: str | None, expected: bool) -> None:
    assert parse_flag(value) is expected
