"""MediaWiki username normalisation.

The Dashboard looks users up by exact username, so every spelling a caller may send
("pegCult", "PegCult_", " PegCult ") must become the one MediaWiki stores before it is
used as a cache key or sent upstream.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = [
    "MAX_USERNAME_LENGTH",
    "InvalidUsername",
    "normalize_username",
    "normalize_username_cached",
    "plain_names",
]

MAX_USERNAME_LENGTH = 255

# Characters MediaWiki never allows in a page title, hence in a username.
_FORBIDDEN = frozenset("#<>[]|{}")

# MediaWiki folds underscores and Unicode space separators (NBSP, en space, ideographic
# space, ...) into one space, so a run of any of them is one space here too.
_UNICODE_SPACES = r"\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_SPACES = rf"_\s{_UNICODE_SPACES}"
_SPACE_RUN = re.compile(rf"[{_SPACES}]+")


class InvalidUsername(ValueError):
    """The input cannot be a MediaWiki username; the message says why in plain English."""


# One pass in C over the whole name; the loop below runs only to say what is wrong. Cc is
# exactly U+0000-U+001F and U+007F-U+009F.
_SUSPECTS = r"\x00-\x1f\x7f-\x9f\ufffd#<>\[\]|{}"
_SUSPECT = re.compile(rf"[{_SUSPECTS}]")


def _check_characters(text: str) -> None:
    """Reject control characters and U+FFFD, which mean garbage or a broken encoding."""
    if _SUSPECT.search(text) is None:
        return
    for char in text:
        if char == "\ufffd":
            raise InvalidUsername(
                "username contains the replacement character U+FFFD (broken text encoding)"
            )
        if unicodedata.category(char) == "Cc":
            raise InvalidUsername(f"username contains a control character: U+{ord(char):04X}")
        if char in _FORBIDDEN:
            raise InvalidUsername(f"username contains a character MediaWiki forbids: {char!r}")


def normalize_username(raw: str) -> str:
    """Return the username as MediaWiki stores it, or raise InvalidUsername.

    Underscores become spaces, runs of spaces collapse, the ends are trimmed and the
    first character is upper-cased (MediaWiki's only case folding; the rest is
    case-sensitive). Control characters are rejected anywhere, even at the ends, so that
    "Name\\n" is an error rather than silently another user.
    """
    if not isinstance(raw, str):
        raise InvalidUsername("username must be text")
    _check_characters(raw)
    name = _SPACE_RUN.sub(" ", raw).strip()
    if not name:
        raise InvalidUsername("username must not be empty")
    first = name[0]
    upper = first.upper()
    # 'ß'.upper() is 'SS': MediaWiki keeps such characters as they are.
    if len(upper) == 1:
        name = upper + name[1:]
    if len(name) > MAX_USERNAME_LENGTH:
        raise InvalidUsername(
            f"username must be at most {MAX_USERNAME_LENGTH} characters long (got {len(name)})"
        )
    return name


# The common case of a whole `|`-separated list, in a few passes in C instead of the rules
# per item. A plain list has no character _SUSPECT finds but `|`, and no whitespace but the
# space: the Unicode spaces are named, the ASCII ones are controls, U+0085 is one too
# (tests/unit/test_plain_names.py checks that this covers every str.isspace() character).
_NOT_PLAIN = re.compile(rf"[{_SUSPECTS.replace('|', '')}{_UNICODE_SPACES}]")


def plain_names(raw: str) -> list[str] | None:
    """`normalize_username` of each `|`-separated item of `raw` ("" for an empty item),
    when every item is plain, so that normalising it only turns `_` into ` `: no
    character it rejects, no whitespace but single spaces or underscores between other
    characters, a first character that upper-casing leaves alone, at most
    MAX_USERNAME_LENGTH characters. None otherwise: then each item needs the full rules
    (tests/unit/test_plain_names.py compares the two)."""
    if _NOT_PLAIN.search(raw) is not None:
        return None
    spaced = raw.replace("_", " ")
    if (
        "  " in spaced
        or " |" in spaced
        or "| " in spaced
        or spaced[:1] == " "
        or spaced[-1:] == " "
    ):
        return None
    names = spaced.split("|")
    # Upper-casing works character by character, so the string of first characters is
    # unchanged exactly when each of them is (one that becomes two, like 'ß', changes it).
    firsts = "".join([name[:1] for name in names])
    if firsts.upper() != firsts or max(map(len, names)) > MAX_USERNAME_LENGTH:
        return None
    return names


# Gadgets ask about the same names over and over, and checking every character is the
# costliest part of a warm answer: results are memoised (errors are not, they are rare).
normalize_username_cached = lru_cache(maxsize=65536)(normalize_username)
