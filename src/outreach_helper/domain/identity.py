"""Whose courses did the Dashboard answer with? The rules of the impostor check.

The Dashboard finds a user with `User.find_by(username:)` on a column whose collation is
`utf8mb4_unicode_ci` (db/schema.rb, app/controllers/user_profiles_controller.rb), which
ignores case and accents. MediaWiki usernames are case-sensitive after the first letter
and accents matter, so `Pegcult` is answered with the enrollments of `PegCult`, and
`Zoe Muller` with those of `Zoë Müller`: other accounts. `user_stats.json` does not say
whom it found; two things carry exact usernames: the uploader of each of the user's
recent uploads, and the rosters (`users.json`) of the user's courses. The unique index on
`username` means at most one Dashboard user per collation class, so seeing the exact name
in a roster of one of "their" courses proves the Dashboard found that very account.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from .usernames import InvalidUsername, normalize_username

__all__ = [
    "MAX_ROSTERS_TO_CONFIRM",
    "Verdict",
    "collation_key",
    "confirmation_order",
    "roster_verdict",
    "uploads_verdict",
]

# Rosters read at most to confirm one user (the first decisive one ends it).
MAX_ROSTERS_TO_CONFIRM = 3

# Unicode categories utf8mb4_unicode_ci (UCA 4.0.0) gives no primary weight: combining
# marks (accents) and format characters (soft hyphen, zero-width joiners, ...).
_IGNORED_CATEGORIES = frozenset({"Mn", "Mc", "Me", "Cf"})


class Verdict(StrEnum):
    CONFIRMED = "confirmed"  # the data names this exact account
    MISMATCH = "mismatch"  # it names another account the Dashboard takes for this one
    UNDECIDED = "undecided"  # it names neither


def collation_key(text: str) -> str:
    """A model of MySQL's `utf8mb4_unicode_ci` equality: equal keys, equal to MySQL.

    An approximation of its primary-level UCA comparison: compatibility decomposition
    (NFKD, so `ﬁ` is `fi` and `é` is `e` + an accent), accents and other ignorable
    characters dropped, case folded (`ß` is `ss`), trailing spaces ignored (PAD SPACE).
    It does not model UCA's contractions or its few other equivalences (e.g. `Æ`/`AE` is
    equal here only through folding where Unicode says so); for deciding whether two
    names could be taken for one another that is enough.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(c for c in decomposed if unicodedata.category(c) not in _IGNORED_CATEGORIES)
    return kept.casefold().rstrip(" ")


def _normalized(names: Iterable[Any]) -> set[str]:
    found = set()
    for name in names:
        if isinstance(name, str):
            try:
                found.add(normalize_username(name))
            except InvalidUsername:
                continue
    return found


def uploads_verdict(username: str, uploaders: Iterable[Any]) -> Verdict:
    """From `user_recent_uploads[].uploader`: every upload listed is the found user's, so
    any uploader settles it. No uploads: undecided."""
    names = _normalized(uploaders)
    if not names:
        return Verdict.UNDECIDED
    return Verdict.CONFIRMED if username in names else Verdict.MISMATCH


def roster_verdict(username: str, roster_usernames: Iterable[Any]) -> Verdict:
    """From the roster of a course the found user is enrolled in: the exact name there
    confirms; only a name of the same collation class means the Dashboard found that one."""
    names = _normalized(roster_usernames)
    if username in names:
        return Verdict.CONFIRMED
    key = collation_key(username)
    if any(collation_key(name) == key for name in names):
        return Verdict.MISMATCH
    return Verdict.UNDECIDED


def _size(value: Any) -> float:
    return value if isinstance(value, int) and not isinstance(value, bool) else float("inf")


def confirmation_order(
    enrollments: Iterable[Mapping[str, Any]], cached: Iterable[str] = ()
) -> list[str]:
    """The user's course slugs in the order their rosters are best read to confirm them,
    at most MAX_ROSTERS_TO_CONFIRM: rosters already cached first (free), then the
    smallest courses (`user_count`: the cheapest users.json for the Dashboard to render),
    then enrollment order (newest first)."""
    cached = set(cached)
    sizes: dict[str, float] = {}
    for row in enrollments:
        slug = row.get("course_slug")
        if isinstance(slug, str) and slug:
            sizes[slug] = min(sizes.get(slug, float("inf")), _size(row.get("user_count")))
    order = sorted(sizes, key=lambda slug: (slug not in cached, sizes[slug]))
    return order[:MAX_ROSTERS_TO_CONFIRM]
