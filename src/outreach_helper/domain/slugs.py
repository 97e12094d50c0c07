"""Course slugs: ``SCHOOL/TITLE_(TERM)``, split and checked before any upstream request.

Each part later becomes exactly one percent-encoded path segment, so nothing a caller
sends may be able to change which upstream path is requested ("..", slashes, control
characters). Everything else is allowed: real slugs contain commas, parentheses,
apostrophes, "+", "&" and non-ASCII letters.
"""

from __future__ import annotations

import unicodedata

__all__ = [
    "MAX_SEGMENT_LENGTH",
    "InvalidSlug",
    "course_key",
    "normalize_segment",
    "split_course_slug",
]

MAX_SEGMENT_LENGTH = 255


class InvalidSlug(ValueError):
    """The input cannot be a Dashboard course slug; the message says why."""


def normalize_segment(raw: str, *, part: str) -> str:
    """Return one slug segment (``part`` is "school" or "title") as the Dashboard spells it.

    The ends are trimmed and each space becomes an underscore, because Dashboard slugs
    never contain spaces (runs are not collapsed: the Dashboard does not collapse them).
    """
    if not isinstance(raw, str):
        raise InvalidSlug(f"{part} must be text")
    for char in raw:
        if unicodedata.category(char) == "Cc":
            raise InvalidSlug(f"{part} contains a control character: U+{ord(char):04X}")
    segment = raw.strip().replace(" ", "_")
    if not segment:
        raise InvalidSlug(f"{part} must not be empty")
    if segment in {".", ".."}:
        raise InvalidSlug(f"{part} must not be {segment!r}")
    for char in ("/", "\\"):
        if char in segment:
            raise InvalidSlug(f"{part} must not contain {char!r}")
    if len(segment) > MAX_SEGMENT_LENGTH:
        raise InvalidSlug(
            f"{part} must be at most {MAX_SEGMENT_LENGTH} characters long (got {len(segment)})"
        )
    return segment


def split_course_slug(slug: str) -> tuple[str, str]:
    """Split ``SCHOOL/TITLE`` at the first "/" into normalised (school, title).

    The title may not contain another "/", so a slug with two slashes is rejected
    rather than guessed at.
    """
    if not isinstance(slug, str):
        raise InvalidSlug("course slug must be text")
    school, sep, title = slug.partition("/")
    if not sep:
        raise InvalidSlug("course slug must look like SCHOOL/TITLE (no '/' found)")
    return normalize_segment(school, part="school"), normalize_segment(title, part="title")


def course_key(school: str, title: str) -> str:
    """Return the cache id of a course from already normalised parts."""
    return f"{school}/{title}"
