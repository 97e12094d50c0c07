"""The whole-list fast path (`plain_names`, `parse_name_list`'s plain case) and the quick
decoding of `usernames=` give exactly what the per-name rules and `parse_qsl` give."""

from __future__ import annotations

import sys
import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from starlette.requests import Request

from outreach_helper.api.participants import sent_usernames, valid_names
from outreach_helper.domain.namelists import NameList, TooManyNames, parse_name_list
from outreach_helper.domain.usernames import (
    MAX_USERNAME_LENGTH,
    InvalidUsername,
    normalize_username,
    plain_names,
)

EXAMPLES = settings(max_examples=500, derandomize=True, database=None, deadline=None)


def per_name(raw: str, *, spellings: bool = True) -> NameList:
    """parse_name_list as it was before the fast path: the rules item by item (uncached)."""
    items = raw.split("|")
    if len(items) > 50:
        raise TooManyNames(len(items))
    result = NameList()
    for item in items:
        if not item.strip():
            continue
        try:
            name = normalize_username(item)
        except InvalidUsername as error:
            if item not in [sent for sent, _ in result.invalid]:
                result.invalid.append((item, str(error)))
            continue
        if spellings and item != name and (item, name) not in result.normalized:
            result.normalized.append((item, name))
        if name not in result.names:
            result.names.append(name)
    return result


def outcome(call, *args, **kwargs):  # noqa: ANN001, ANN201 - a value or the error's type and text
    try:
        return call(*args, **kwargs)
    except (InvalidUsername, TooManyNames) as error:
        return type(error), str(error) if not isinstance(error, TooManyNames) else None


# Characters each rule is about, and ordinary ones, so that generated names hit every case.
SPECIAL = (
    "_ \t\n\r\x0b\x0c\x1c\x1f\x85\u00a0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000"
    "\x00\x07\x7f\x9f\ufffd#<>[]{}|"
    "ßŉǆǅﬀΣσςİıéÉüæ\u0301\u200b\u180e·-.'()0123456789"
)
ORDINARY = "aAbBzZ"
names_text = st.text(
    alphabet=st.sampled_from(SPECIAL + ORDINARY) | st.characters(codec="utf-8"), max_size=12
)
plain_like = st.from_regex(r"[A-Z][a-z]{0,6}(?:[_ ][A-Za-z0-9]{1,6}){0,3}", fullmatch=True)
item = st.one_of(
    plain_like,
    plain_like.map(str.lower),
    names_text,
    st.sampled_from(["", " ", "_", "__", "A__B", "A _B", "ßa", "ǆx", "X" * 255, "X" * 256,
                     "x" * 254 + "_", "A\u00a0B", "A\x85B", "A\ufffd", "A#b", "A\nB"]),
)  # fmt: skip
# Lists of plain names with now and then an unusual one (the fast path and its edges),
# and lists of anything.
name_lists = st.one_of(
    st.lists(st.one_of(plain_like, plain_like, plain_like, item), max_size=52),
    st.lists(item, max_size=52),
).map("|".join)


@EXAMPLES
@given(name_lists)
@example("Ada_Example|Ada Example|ada_Example|Ada_Example")  # spellings of one user
@example("Ada||Bob|")  # empty items
@example("Ada| Bob|Cy_|_Dee")  # spaces and underscores at the ends of an item
@example("Zoë_Müller|Ébert|ßtraße")
@example("|".join(f"Never_Asked_{n}" for n in range(50)))
def test_parse_name_list_is_the_per_name_rules(raw: str) -> None:
    for spellings in (True, False):
        assert outcome(parse_name_list, raw, spellings=spellings) == outcome(
            per_name, raw, spellings=spellings
        )
    plain = plain_names(raw)
    if plain is not None:
        assert plain == [normalize_username(i) if i else "" for i in raw.split("|")]


@pytest.mark.parametrize(
    "raw",
    ["A__B", "A _B", "_A", "A_", " A", "A ", "ada", "ßa", "ǆx", "éclair", "A\u00a0B",
     "A\u3000B", "A\x85B", "A\tB", "A\x1fB", "A\x7fB", "A\ufffd", "A#B", "A{B", "A]B",
     "X" * 256, "Ok|A__B", "Ok| ", "Ok|_", "Ok| A", "Ok |A", "Ok|_A", "Ok_|A", "Ok|a"],
)  # fmt: skip
def test_anything_unusual_takes_the_full_rules(raw: str) -> None:
    assert plain_names(raw) is None
    assert parse_name_list(raw) == per_name(raw)


def test_plain_lists() -> None:
    assert plain_names("Ada_Example|Zoë Müller||Ǆx|" + "X" * MAX_USERNAME_LENGTH) == [
        "Ada Example", "Zoë Müller", "", "Ǆx", "X" * MAX_USERNAME_LENGTH,
    ]  # fmt: skip
    assert plain_names("") == [""]


def test_no_character_the_rules_act_on_is_plain() -> None:
    """Every code point a plain list may hold besides ` ` and `_` is one normalize_username
    leaves alone: no whitespace (a Unicode space named nowhere would slip through), no
    control character, no U+FFFD, nothing MediaWiki forbids."""
    acted_on = [
        hex(code)
        for code in range(sys.maxunicode + 1)
        if (char := chr(code)) not in " _|"
        and plain_names(f"A{char}b") is not None
        and (char.isspace() or unicodedata.category(char) == "Cc" or char in "\ufffd#<>[]{}")
    ]
    assert acted_on == []


def request_for(query: bytes) -> Request:
    return Request({"type": "http", "query_string": query, "headers": []})


query_bytes = st.lists(
    st.sampled_from(
        [b"%7C", b"%7c", b"|", b"+", b"%", b"%2", b"%20", b"%C3", b"%A9", b"%C3%A9", b"%FF",
         b"%25", b"%%7C", b"=", b"&", b"A", b"_", b"\xc3\xa9", b"\xff", b";", b"usernames="]
    ) | st.binary(max_size=3),
    max_size=20,
).map(b"".join)  # fmt: skip


@EXAMPLES
@given(query_bytes)
@example(b"%C3%7C%A9")
@example(b"A%%7C41")
def test_sent_usernames_is_what_parse_qsl_gives(tail: bytes) -> None:
    for query in (b"usernames=" + tail, tail):
        expected = request_for(query).query_params.getlist("usernames")
        assert sent_usernames(request_for(query)) == expected, query


@EXAMPLES
@given(name_lists)
def test_valid_names_refuses_exactly_blank_items(raw: str) -> None:
    def before(raw: str) -> list[str]:
        if any(not item.strip() for item in raw.split("|")):
            raise InvalidUsername("usernames: 1 to 50 names separated by '|', none empty")
        names = per_name(raw)
        if names.invalid:
            sent, why = names.invalid[0]
            raise InvalidUsername(f"usernames: {sent!r}: {why}")
        return names.names

    assert outcome(valid_names, raw) == outcome(before, raw)


def test_a_list_sent_again_is_the_same_answer_in_lists_of_its_own() -> None:
    first = parse_name_list("Ada_Example|bob|A#b")
    first.names.append("Mallory")
    first.invalid.clear()
    first.normalized.clear()
    again = parse_name_list("Ada_Example|bob|A#b")
    assert again == per_name("Ada_Example|bob|A#b")
    assert again.names == ["Ada Example", "Bob"] and len(again.invalid) == 1
