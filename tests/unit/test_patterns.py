"""The patterns the OpenAPI document promises never lie: whatever matches them (and their
length bounds) is accepted by the normalisers."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from outreach_helper.api.deps import SEGMENT_PATTERN, USERNAME_PATTERN
from outreach_helper.domain.namelists import MAX_NAMES, NAME_LIST_PATTERN, parse_name_list
from outreach_helper.domain.slugs import InvalidSlug, normalize_segment
from outreach_helper.domain.usernames import InvalidUsername, normalize_username

EXAMPLES = settings(max_examples=300, derandomize=True, database=None)


@EXAMPLES
@given(st.from_regex(USERNAME_PATTERN, fullmatch=True).filter(lambda s: len(s) <= 255))
def test_every_documented_username_is_accepted(raw: str) -> None:
    assert normalize_username(raw)


@EXAMPLES
@given(st.from_regex(SEGMENT_PATTERN, fullmatch=True).filter(lambda s: len(s) <= 255))
def test_every_documented_segment_is_accepted(raw: str) -> None:
    assert normalize_segment(raw, part="title")


@settings(max_examples=60, derandomize=True, database=None)
@given(st.from_regex(NAME_LIST_PATTERN, fullmatch=True))
def test_every_documented_name_list_is_accepted(raw: str) -> None:
    parse_name_list(raw)


def test_the_patterns_reject_what_the_normalisers_reject() -> None:
    for raw in ("", " ", "__", "A#b", "A|b", "A/b", "A\\b", "A\x00b", "A\ufffd"):
        assert not re.fullmatch(USERNAME_PATTERN, raw), raw
        try:
            normalize_username(raw)
        except InvalidUsername:
            continue
        assert "/" in raw or "\\" in raw  # rejected by the route, not the normaliser
    for raw in ("", " ", ".", "..", "a/b", "a\\b", "a\x07"):
        assert not re.fullmatch(SEGMENT_PATTERN, raw), raw
        try:
            normalize_segment(raw, part="school")
            raise AssertionError(raw)
        except InvalidSlug:
            pass
    assert not re.fullmatch(NAME_LIST_PATTERN, "|".join(["A"] * (MAX_NAMES + 1)))
