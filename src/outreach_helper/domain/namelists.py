"""Pipe-separated username lists, as the MediaWiki API takes them (`A|B|C`).

`|` can never be part of a username, so splitting on it is unambiguous. Each name is
normalised on its own; spellings of one user collapse into one, and names that cannot be
usernames are reported with the reason instead of failing the whole list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .usernames import InvalidUsername, normalize_username_cached, plain_names

__all__ = ["MAX_NAMES", "NAME_LIST_PATTERN", "NameList", "TooManyNames", "parse_name_list"]

MAX_NAMES = 50
# At most MAX_NAMES items: what the OpenAPI document promises, and what is enforced.
NAME_LIST_PATTERN = rf"^[^|]*(\|[^|]*){{0,{MAX_NAMES - 1}}}$"


class TooManyNames(ValueError):
    """More names than one request may carry."""


@dataclass(frozen=True)
class NameList:
    """`names`: distinct normalised names in the order first sent; `invalid`: (as sent,
    why) for each name that cannot be a username; `normalized`: (as sent, normalised) for
    each name sent in another spelling."""

    names: list[str] = field(default_factory=list)
    invalid: list[tuple[str, str]] = field(default_factory=list)
    normalized: list[tuple[str, str]] = field(default_factory=list)


def parse_name_list(raw: str, *, limit: int = MAX_NAMES, spellings: bool = True) -> NameList:
    """Split, normalise and de-duplicate; empty items (`A||B`, a trailing `|`) are skipped,
    so an empty list is an empty answer, not an error. `spellings=False`: `normalized` is
    left empty, for a caller that does not report them.

    Raises TooManyNames when more than `limit` items are sent (counted as sent, empty ones
    and duplicates included, as the MediaWiki API counts).
    """
    names, invalid, normalized = _parsed(raw, limit, spellings)
    return NameList(list(names), list(invalid), list(normalized))


# A gadget sends the very same list again for the same page: the whole result is memoised,
# as tuples (each caller gets lists of its own). Errors are not memoised.
@lru_cache(maxsize=256)
def _parsed(raw: str, limit: int, spellings: bool) -> tuple[tuple[Any, ...], ...]:
    parsed = _parse(raw, limit, spellings)
    return tuple(parsed.names), tuple(parsed.invalid), tuple(parsed.normalized)


def _parse(raw: str, limit: int, spellings: bool) -> NameList:
    items = raw.split("|")
    if len(items) > limit:
        raise TooManyNames(f"at most {limit} usernames per request (got {len(items)})")
    plain = plain_names(raw)
    if plain is not None:
        return _plain_list(raw, items, plain, spellings)
    result = NameList()
    seen: set[str] = set()
    invalid_seen: set[str] = set()
    pairs_seen: set[tuple[str, str]] = set()  # a list's `in` made 50 names cost 50 x 50
    for item in items:
        if not item.strip():
            continue
        try:
            name = normalize_username_cached(item)
        except InvalidUsername as error:
            if item not in invalid_seen:
                invalid_seen.add(item)
                result.invalid.append((item, str(error)))
            continue
        if spellings and item != name and (item, name) not in pairs_seen:
            pairs_seen.add((item, name))
            result.normalized.append((item, name))
        if name not in seen:
            seen.add(name)
            result.names.append(name)
    return result


def _plain_list(raw: str, items: list[str], names: list[str], spellings: bool) -> NameList:
    """What the loop above makes when every item is plain (`plain_names`): none is invalid,
    and an item differs from its name only by its underscores. Whole-list steps in C."""
    distinct = dict.fromkeys(names)
    distinct.pop("", None)  # empty items are skipped
    normalized: list[tuple[str, str]] = []
    if spellings and "_" in raw:
        pairs = ((item, name) for item, name in zip(items, names, strict=True) if item != name)
        normalized = list(dict.fromkeys(pairs))
    return NameList(list(distinct), [], normalized)
