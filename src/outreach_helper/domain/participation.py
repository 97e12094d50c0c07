"""Who takes part in a current course now, and how: the rules behind `/api/participants`.

The knowledge is a compact index (`Index`): the current courses, each with its tracking
window (`start`..`end`) and event window (`timeline_start`..`timeline_end`) as unix
seconds, and per person the courses they are in as facilitator (role 1) or editor
(role 0). Nothing here fetches; `now` is passed in, so a course whose end passes drops
its people at once, whenever the index was built.

The rules agree with `/api/users/{u}/status`: a course counts for a person when its
tracking or its event window contains now (status counts each window on its own);
`event` exactly when an event window contains now (status's `has_active_event`), else
`tracking`; `facilitator` when they facilitate any course that counts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# A course row: slug, start, end, event start, event end (unix seconds; None: unknown).
CourseRow = tuple[str, float | None, float | None, float | None, float | None]
FACILITATOR, EDITOR = 1, 0


def _within(start: float | None, end: float | None, now: float) -> bool:
    return start is not None and end is not None and start <= end and start <= now <= end


@dataclass(frozen=True, slots=True)
class Index:
    """The current courses and, per normalised name, codes `course * 2 + role`."""

    courses: tuple[CourseRow, ...]
    people: Mapping[str, tuple[int, ...]]

    @staticmethod
    def code(course: int, role: int) -> int:
        return course * 2 + (1 if role == FACILITATOR else 0)

    def to_json(self) -> dict[str, Any]:
        """Compact: a list per course, a list of integers per person (bytes matter here:
        the index is shared through Redis and read by every worker)."""
        return {"courses": [list(row) for row in self.courses],
                "people": {name: list(codes) for name, codes in self.people.items()}}  # fmt: skip

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Index:
        courses = tuple(
            (str(row[0]), *(None if v is None else float(v) for v in row[1:5]))
            for row in data["courses"]
        )
        people = {str(name): tuple(int(c) for c in codes) for name, codes in data["people"].items()}
        return cls(courses, people)  # type: ignore[arg-type]


def build_index(
    courses: Iterable[CourseRow], people_of: Mapping[str, Iterable[tuple[str, int]]]
) -> Index:
    """`people_of`: slug -> (normalised name, role) rows; roles other than 0 and 1 are left
    out (the bulk list names only those two), and so are courses without people."""
    rows: list[CourseRow] = []
    people: dict[str, set[int]] = {}
    for row in courses:
        members = [(n, r) for n, r in people_of.get(row[0], ()) if r in (EDITOR, FACILITATOR)]
        if not members:
            continue
        index = len(rows)
        rows.append(row)
        for name, role in members:
            people.setdefault(name, set()).add(Index.code(index, role))
    return Index(tuple(rows), {name: tuple(sorted(codes)) for name, codes in people.items()})


def participation(index: Index, name: str, now: float) -> dict[str, Any] | None:
    """`{"state", "role", "courses"}` of `name` now, None when no course of theirs counts."""
    codes = index.people.get(name)
    if not codes:
        return None
    event = facilitator = False
    slugs: list[str] = []
    for code in codes:
        slug, start, end, event_start, event_end = index.courses[code // 2]
        in_event = _within(event_start, event_end, now)
        if not (in_event or _within(start, end, now)):
            continue
        event = event or in_event
        facilitator = facilitator or code % 2 == 1
        if slug not in slugs:
            slugs.append(slug)
    if not slugs:
        return None
    return {
        "state": "event" if event else "tracking",
        "role": "facilitator" if facilitator else "editor",
        "courses": slugs,
    }


def next_change(index: Index, names: Iterable[str], now: float) -> float | None:
    """The first moment after `now` at which the answer for `names` could change (a window
    of one of their courses opens or closes); None when no such moment lies ahead."""
    moments = [
        moment
        for name in names
        for code in index.people.get(name, ())
        for moment in _boundaries(index.courses[code // 2], now)
    ]
    return min(moments, default=None)


def _boundaries(row: CourseRow, now: float) -> list[float]:
    # An end is inclusive: the answer changes just after it.
    _, start, end, event_start, event_end = row
    found = [start, event_start]
    found += [None if end is None else math.nextafter(end, math.inf),
              None if event_end is None else math.nextafter(event_end, math.inf)]  # fmt: skip
    return [moment for moment in found if moment is not None and moment > now]
