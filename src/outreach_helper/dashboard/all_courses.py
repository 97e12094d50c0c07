"""Trims the Dashboard's `GET /all_courses.json` to the current courses and their people.

The answer (`analytics#all_courses`, app/views/analytics/all_courses.json.jbuilder) is
`{"all_courses": [{"id", "slug", "title", "institution", "term", "created_at", "start",
"end", "home_wiki", "tracked_wikis", "facilitators", "editors", "campaign_slugs"}, ...]}`:
every nonprivate course the Dashboard has ever had, with no date filter, no pagination and
no caching on its side. The Dashboard builds the whole list on every request, and it can be
tens of MB. So it is parsed as it arrives (ijson's push interface, the yajl2 C backend when
it is installed), one course object in memory at a time, and only the courses that matter
now are kept.

"Current" here is the tracking window: a course is kept when `end >= now` and
`start <= now + lookahead`. It is kept from `lookahead` before its start, because a course
that starts before the next full read has to be known already. The Dashboard's own
`current` scope (`end > now - 30 days`) is broader. Dates are compared again when a question
is answered, so a course whose end passes between two reads drops out at once. That is the
caller's job: this module keeps the ISO 8601 strings as given.

What the list does not carry: the event window (`timeline_start`/`timeline_end`), `withdrawn`,
`private` (private courses are simply absent for anonymous callers), `type`, and the people
with roles 2-4. Those come from each course's `course.json` and `users.json`.
`facilitators` are role 1 and `editors` role 0 (the view's `instructors` and `students`
associations). A person with both roles is in both lists.

Usernames are normalised with `domain.usernames.normalize_username` only in kept courses
(about 5 % of all enrollments). A rejected name is left out and counted (`skipped_names`).
A course listed without dates, or with dates that cannot be parsed or end before they start,
is skipped and counted (`skipped`). A wrong shape anywhere (the top level is not an object
whose first key is `all_courses` holding an array; an item that is not an object; a slug that
is not text; `facilitators`/`editors` that are not lists of strings) is a `BadCourseList`,
as are malformed or truncated JSON and an empty list. `all_courses` lists every course ever,
so an empty list means the answer is broken, not that the Dashboard has no courses. The
caller then keeps what it knew before (stale-if-error) and never serves a partial list.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import ijson

from outreach_helper.domain.usernames import InvalidUsername, normalize_username
from outreach_helper.domain.windows import parse_timestamp

__all__ = ["AllCoursesTrimmer", "BadCourseList", "CourseList", "ListedCourse"]

_PREFIX = "all_courses.item"
# The events a valid answer starts with: `{`, the key `all_courses`, `[`.
_OPENING = (("start_map", None), ("map_key", "all_courses"), ("start_array", None))


def _backend() -> Any:
    """yajl2's C extension when it is installed (about ten times faster), else pure Python."""
    for name in ("yajl2_c", "python"):
        try:
            return ijson.get_backend(name)
        except ImportError:
            continue
    raise ImportError("no ijson backend")  # pragma: no cover - "python" always imports


_IJSON = _backend()


class BadCourseList(ValueError):
    """The answer is truncated, malformed JSON, of the wrong shape, or lists no course."""


@dataclass(frozen=True, slots=True)
class ListedCourse:
    """One kept course of all_courses.json, with its people in roles 0 and 1."""

    slug: str  # as the Dashboard gives it: "School/Title_(Term)"
    start: str  # the ISO 8601 strings as given
    end: str
    facilitators: tuple[str, ...]  # role 1, normalised, deduplicated, sorted
    editors: tuple[str, ...]  # role 0, same


@dataclass(frozen=True, slots=True)
class CourseList:
    """What one full read of all_courses.json kept, and what it left out."""

    courses: tuple[ListedCourse, ...]  # the kept ones, in answer order
    listed: int  # courses in the answer
    skipped: int  # listed without dates or with impossible ones
    skipped_names: int  # usernames (in kept courses) that normalize_username rejects


class AllCoursesTrimmer:
    """Push parser over the bytes of GET /all_courses.json, as they arrive.

    ``feed`` each chunk (any size, down to one byte), then ``finish``. Either may raise
    `BadCourseList`; after that the trimmer is spent. Only the course being parsed and the
    kept ones are held in memory.
    """

    def __init__(self, *, now: datetime, lookahead: timedelta) -> None:
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError("now must be an aware datetime")
        if lookahead < timedelta(0):
            raise ValueError("lookahead must not be negative")
        self._now = now
        self._horizon = now + lookahead
        self._items = ijson.sendable_list()
        self._parser = _IJSON.items_coro(self._items, _PREFIX)
        # A second parser reads only the first three events, to check the top level; it is
        # dropped as soon as it has seen them (usually within the first chunk).
        self._opening = ijson.sendable_list()
        self._opening_parser: Any = _IJSON.basic_parse_coro(self._opening)
        self._kept: list[ListedCourse] = []
        self._listed = 0
        self._skipped = 0
        self._skipped_names = 0
        self._broken: BadCourseList | None = None
        self._done = False

    def feed(self, chunk: bytes) -> None:
        """Parse the next bytes of the answer; raise `BadCourseList` on malformed input."""
        self._check_usable()
        if not chunk:
            return
        try:
            self._feed_opening(chunk)
            try:
                self._parser.send(chunk)
            except (ijson.JSONError, UnicodeDecodeError, ValueError) as exc:
                raise BadCourseList(f"all_courses.json is not valid JSON: {_reason(exc)}") from None
            self._take(self._items)
        except BadCourseList as exc:
            self._fail(exc)
            raise

    def finish(self) -> CourseList:
        """The kept courses; raise `BadCourseList` if the answer is incomplete, of the
        wrong shape, or lists no course at all."""
        self._check_usable()
        self._done = True
        try:
            try:
                self._parser.close()
            except (ijson.JSONError, UnicodeDecodeError, ValueError) as exc:
                raise BadCourseList(f"all_courses.json is incomplete: {_reason(exc)}") from None
            self._take(self._items)
            if self._opening_parser is not None:  # fewer than three events in all
                raise BadCourseList('all_courses.json is not {"all_courses": [...]}')
            if self._listed == 0:
                raise BadCourseList("all_courses.json lists no course at all")
        except BadCourseList as exc:
            self._fail(exc)
            raise
        return CourseList(
            courses=tuple(self._kept),
            listed=self._listed,
            skipped=self._skipped,
            skipped_names=self._skipped_names,
        )

    # --- internals -----------------------------------------------------------------------

    def _check_usable(self) -> None:
        if self._broken is not None:
            raise BadCourseList(f"already failed: {self._broken}")
        if self._done:
            raise RuntimeError("finish() was already called")

    def _feed_opening(self, chunk: bytes) -> None:
        if self._opening_parser is None:
            return
        try:
            self._opening_parser.send(chunk)
        except (ijson.JSONError, UnicodeDecodeError, ValueError) as exc:
            raise BadCourseList(f"all_courses.json is not valid JSON: {_reason(exc)}") from None
        seen = self._opening[: len(_OPENING)]
        if list(seen) != list(_OPENING[: len(seen)]):
            raise BadCourseList('all_courses.json is not {"all_courses": [...]}')
        if len(seen) == len(_OPENING):
            self._drop_opening()

    def _drop_opening(self) -> None:
        parser, self._opening_parser = self._opening_parser, None
        self._opening.clear()
        if parser is not None:
            # Closing an unfinished parser complains that the JSON is incomplete: it is,
            # on purpose. Closing it now keeps the pure-Python backend from saying so later,
            # from the garbage collector.
            with contextlib.suppress(Exception):
                parser.close()

    def _fail(self, exc: BadCourseList) -> None:
        self._broken = exc
        self._drop_opening()
        with contextlib.suppress(Exception):
            self._parser.close()
        self._items.clear()
        self._kept.clear()

    def _take(self, items: list[Any]) -> None:
        for item in items:
            self._listed += 1
            course = self._course(item)
            if course is not None:
                self._kept.append(course)
        items.clear()

    def _course(self, item: Any) -> ListedCourse | None:
        """The course if it is kept, None if skipped or not current; raise on a bad shape."""
        number = self._listed
        if not isinstance(item, dict):
            raise BadCourseList(f"all_courses item {number} is not an object")
        slug = item.get("slug")
        if not isinstance(slug, str) or not slug:
            raise BadCourseList(f"all_courses item {number} has no slug")
        facilitators = _names(item.get("facilitators"), "facilitators", slug)
        editors = _names(item.get("editors"), "editors", slug)
        start_text, end_text = item.get("start"), item.get("end")
        start, end = parse_timestamp(start_text), parse_timestamp(end_text)
        if start is None or end is None or end < start:
            self._skipped += 1
            return None
        if end < self._now or start > self._horizon:
            return None
        assert isinstance(start_text, str) and isinstance(end_text, str)  # parsed, so text
        return ListedCourse(
            slug=slug,
            start=start_text,
            end=end_text,
            facilitators=self._normalised(facilitators),
            editors=self._normalised(editors),
        )

    def _normalised(self, names: Iterable[str]) -> tuple[str, ...]:
        kept: set[str] = set()
        for name in names:
            try:
                kept.add(normalize_username(name))
            except InvalidUsername:
                self._skipped_names += 1
        return tuple(sorted(kept))


def _names(value: Any, field: str, slug: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise BadCourseList(f"{field} of {slug!r} is not a list of usernames")
    return value


def _reason(exc: BaseException) -> str:
    """The first line of a parser's message (yajl adds the input and a caret below it)."""
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
