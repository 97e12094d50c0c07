"""dashboard/all_courses.py: trimming all_courses.json to the current courses, pushed in bytes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import ijson
import orjson
import pytest

from outreach_helper.dashboard import all_courses
from outreach_helper.dashboard.all_courses import (
    AllCoursesTrimmer,
    BadCourseList,
    CourseList,
    ListedCourse,
)

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
LOOKAHEAD = timedelta(hours=6)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def course(slug: str, start: object, end: object, **extra: object) -> dict:
    """An all_courses item shaped like the jbuilder view's."""
    item = {
        "id": 1, "slug": slug, "title": slug.split("/")[-1], "institution": "School",
        "term": "T", "created_at": "2025-01-01T00:00:00.000Z",
        "start": iso(start) if isinstance(start, datetime) else start,
        "end": iso(end) if isinstance(end, datetime) else end,
        "home_wiki": "en.wikipedia.org", "tracked_wikis": ["en.wikipedia.org"],
        "facilitators": [], "editors": [], "campaign_slugs": ["spring"],
    }  # fmt: skip
    item.update(extra)
    return item


def answer(*items: dict) -> bytes:
    return orjson.dumps({"all_courses": list(items)})


def trim(body: bytes, *, chunk: int | None = None, now: datetime = NOW) -> CourseList:
    trimmer = AllCoursesTrimmer(now=now, lookahead=LOOKAHEAD)
    step = chunk or max(len(body), 1)
    for offset in range(0, len(body), step):
        trimmer.feed(body[offset : offset + step])
    return trimmer.finish()


def slugs(result: CourseList) -> list[str]:
    return [c.slug for c in result.courses]


@pytest.fixture(params=["yajl2_c", "python"])
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test with each backend: the C one where the service runs, the Python fallback."""
    try:
        chosen = ijson.get_backend(request.param)
    except ImportError:
        pytest.skip(f"ijson backend {request.param} is not installed")
    monkeypatch.setattr(all_courses, "_IJSON", chosen)
    return request.param


def test_the_c_backend_is_the_one_used_when_installed() -> None:
    assert all_courses._IJSON.backend_name == "yajl2_c"


# --- dates -------------------------------------------------------------------------------


def test_keeps_courses_running_now_and_starting_within_the_lookahead(backend: str) -> None:
    day = timedelta(days=1)
    body = answer(
        course("S/running", NOW - 10 * day, NOW + 10 * day),
        course("S/ended_yesterday", NOW - 10 * day, NOW - day),
        course("S/starts_in_an_hour", NOW + timedelta(hours=1), NOW + 5 * day),
        course("S/starts_next_week", NOW + 7 * day, NOW + 9 * day),
    )
    result = trim(body)
    assert slugs(result) == ["S/running", "S/starts_in_an_hour"]
    assert (result.listed, result.skipped, result.skipped_names) == (4, 0, 0)


def test_boundaries_are_inclusive() -> None:
    ms = timedelta(milliseconds=1)
    body = answer(
        course("S/ends_now", NOW - timedelta(days=1), NOW),
        course("S/ended_a_ms_ago", NOW - timedelta(days=1), NOW - ms),
        course("S/starts_at_horizon", NOW + LOOKAHEAD, NOW + 2 * LOOKAHEAD),
        course("S/starts_a_ms_later", NOW + LOOKAHEAD + ms, NOW + 2 * LOOKAHEAD),
        course("S/one_instant", NOW, NOW),
    )
    assert slugs(trim(body)) == ["S/ends_now", "S/starts_at_horizon", "S/one_instant"]


def test_zero_lookahead_keeps_only_strictly_current() -> None:
    body = answer(
        course("S/now", NOW - timedelta(days=1), NOW + timedelta(days=1)),
        course("S/soon", NOW + timedelta(seconds=1), NOW + timedelta(days=1)),
    )
    trimmer = AllCoursesTrimmer(now=NOW, lookahead=timedelta(0))
    trimmer.feed(body)
    assert slugs(trimmer.finish()) == ["S/now"]


def test_dates_are_kept_as_given_and_other_formats_are_understood() -> None:
    body = answer(
        course("S/offset", "2026-03-10T13:00:00+01:00", "2026-03-10T12:00:00+00:00"),
        course("S/ruby", "2026-03-01 00:00:00 UTC", "2026-04-01 00:00:00 UTC"),
        course("S/date_only", "2026-03-01", "2026-03-11"),
    )
    result = trim(body)
    assert [(c.slug, c.start, c.end) for c in result.courses] == [
        ("S/offset", "2026-03-10T13:00:00+01:00", "2026-03-10T12:00:00+00:00"),
        ("S/ruby", "2026-03-01 00:00:00 UTC", "2026-04-01 00:00:00 UTC"),
        ("S/date_only", "2026-03-01", "2026-03-11"),
    ]


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (None, "2026-04-01T00:00:00.000Z"),
        ("2026-03-01T00:00:00.000Z", None),
        (None, None),
        ("", "2026-04-01T00:00:00.000Z"),
        ("next tuesday", "2026-04-01T00:00:00.000Z"),
        ("2026-02-30T00:00:00.000Z", "2026-04-01T00:00:00.000Z"),  # no such day
        ("2026-03-01T00:00:00.000Z", 20260401),  # a number
        ("2026-03-01T00:00:00.000Z", ["2026-04-01"]),
        ("2026-04-01T00:00:00.000Z", "2026-03-01T00:00:00.000Z"),  # ends before it starts
    ],
)
def test_missing_odd_or_impossible_dates_are_skipped_and_counted(
    start: object, end: object
) -> None:
    good = course("S/good", NOW - timedelta(days=1), NOW + timedelta(days=1))
    result = trim(answer(good, course("S/odd", start, end), good | {"slug": "S/good2"}))
    assert slugs(result) == ["S/good", "S/good2"]
    assert (result.listed, result.skipped) == (3, 1)


def test_missing_date_keys_are_skipped_too() -> None:
    item = course("S/nodates", None, None)
    del item["start"], item["end"]
    good = course("S/good", NOW - timedelta(days=1), NOW + timedelta(days=1))
    result = trim(answer(item, good))
    assert (slugs(result), result.listed, result.skipped) == (["S/good"], 2, 1)


def test_ended_courses_are_not_counted_as_skipped() -> None:
    result = trim(
        answer(
            course("S/old", NOW - timedelta(days=99), NOW - timedelta(days=90)),
            course("S/now", NOW - timedelta(days=1), NOW + timedelta(days=1)),
        )
    )
    assert (result.listed, result.skipped, slugs(result)) == (2, 0, ["S/now"])


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError, match="aware"):
        AllCoursesTrimmer(now=datetime(2026, 3, 10), lookahead=LOOKAHEAD)  # noqa: DTZ001


# --- people ------------------------------------------------------------------------------


def test_usernames_are_normalised_deduplicated_and_sorted(backend: str) -> None:
    item = course(
        "S/people", NOW - timedelta(days=1), NOW + timedelta(days=1),
        facilitators=["zoë_Müller", "Ada Example", "Zoë Müller", " Zoë  Müller "],
        editors=["o'Brien_Test", "Ada Example", "ngozi", "Ngozi"],
    )  # fmt: skip
    result = trim(answer(item))
    assert result.courses == (
        ListedCourse(
            slug="S/people",
            start=item["start"],
            end=item["end"],
            facilitators=("Ada Example", "Zoë Müller"),
            editors=("Ada Example", "Ngozi", "O'Brien Test"),  # both roles: in both lists
        ),
    )
    assert result.skipped_names == 0


def test_rejected_usernames_are_left_out_and_counted() -> None:
    item = course(
        "S/bad_names", NOW - timedelta(days=1), NOW + timedelta(days=1),
        facilitators=["Good One", "Bad|Pipe", "   "],
        editors=["Tab\there", "Fine", "x" * 300, "Broken \ufffd"],
    )  # fmt: skip
    ended = course(
        "S/ended", NOW - timedelta(days=9), NOW - timedelta(days=8), editors=["Bad|Ended"]
    )
    result = trim(answer(item, ended))
    (kept,) = result.courses
    assert kept.facilitators == ("Good One",)
    assert kept.editors == ("Fine",)
    # Names of courses that are not kept are never looked at (95 % of them, in the real list).
    assert result.skipped_names == 5


def test_a_course_with_nobody_is_kept() -> None:
    result = trim(answer(course("S/empty", NOW - timedelta(days=1), NOW + timedelta(days=1))))
    assert result.courses[0].facilitators == result.courses[0].editors == ()


def test_duplicate_courses_are_kept_in_answer_order() -> None:
    item = course("S/twice", NOW - timedelta(days=1), NOW + timedelta(days=1), editors=["A"])
    result = trim(answer(item, item | {"editors": ["B"]}))
    kept = [(c.slug, c.editors) for c in result.courses]
    assert kept == [("S/twice", ("A",)), ("S/twice", ("B",))]
    assert result.listed == 2


# --- pushing bytes -------------------------------------------------------------------------


def big_answer() -> bytes:
    items = []
    for n in range(60):
        start = NOW + timedelta(days=(n % 5) - 3)
        items.append(
            course(
                f"Schüle_{n}/Title,_(n)_{n}",
                start,
                start + timedelta(days=2),
                facilitators=[f"Fac {n}", "Ünïcödé Person"],
                editors=[f"Ed {n} {k}" for k in range(n % 4)] + (["Bad|Name"] if n % 7 else []),
            )
        )
    items.insert(10, course("S/undated", None, None))
    return orjson.dumps({"all_courses": items}, option=orjson.OPT_INDENT_2)


def test_one_byte_at_a_time_equals_all_at_once(backend: str) -> None:
    body = big_answer()
    whole = trim(body)
    assert trim(body, chunk=1) == whole
    assert trim(body, chunk=7) == whole
    assert trim(body, chunk=64 * 1024) == whole
    assert 0 < len(whole.courses) < whole.listed == 61
    assert whole.skipped == 1 and whole.skipped_names > 0


def test_empty_chunks_are_harmless() -> None:
    body = big_answer()
    trimmer = AllCoursesTrimmer(now=NOW, lookahead=LOOKAHEAD)
    for offset in range(0, len(body), 1000):
        trimmer.feed(b"")
        trimmer.feed(body[offset : offset + 1000])
    assert trimmer.finish() == trim(body)


def test_memory_holds_one_course_at_a_time() -> None:
    """The parser hands over each finished course: after a chunk that ends inside the
    second course, the first one has been taken and no course is waiting."""
    first = course("S/a", NOW - timedelta(days=1), NOW + timedelta(days=1))
    body = answer(first, course("S/b", NOW - timedelta(days=1), NOW + timedelta(days=1)))
    cut = body.index(b'"S/b"')
    trimmer = AllCoursesTrimmer(now=NOW, lookahead=LOOKAHEAD)
    trimmer.feed(body[:cut])
    assert trimmer._listed == 1 and list(trimmer._items) == []
    assert [c.slug for c in trimmer._kept] == ["S/a"]


# --- broken answers --------------------------------------------------------------------------


def fails(body: bytes, match: str, *, chunk: int | None = None) -> None:
    with pytest.raises(BadCourseList, match=match):
        trim(body, chunk=chunk)


@pytest.mark.parametrize("cut", [1, 2, 15, 100, -50, -3, -1])
def test_truncated_input(backend: str, cut: int) -> None:
    body = big_answer()
    fails(body[:cut], "incomplete|not valid JSON")


def test_truncated_after_whole_courses_is_still_refused() -> None:
    """Courses parsed before the cut are never served as the truth."""
    body = big_answer()
    cut = body.rindex(b"}", 0, len(body) - 10)  # the last course is complete, `]}` missing
    trimmer = AllCoursesTrimmer(now=NOW, lookahead=LOOKAHEAD)
    trimmer.feed(body[:cut])
    with pytest.raises(BadCourseList, match="incomplete"):
        trimmer.finish()


@pytest.mark.parametrize(
    "body",
    [
        b'{"all_courses": [{"slug": "S/a",}]}',
        b'{"all_courses": [{"slug": "S/a"} {"slug": "S/b"}]}',
        b'{"all_courses": [NaN]}',
        b"<!DOCTYPE html><html><body>We're sorry</body></html>",
        b'{"all_courses": []} trailing',
        b'{"all_courses": ["\xff\xfe"]}',
        b"",
    ],
)
def test_malformed_json(backend: str, body: bytes) -> None:
    fails(body, "not valid JSON|incomplete|not \\{|not an object|lists no course")


def test_malformed_json_fails_in_feed_and_stays_failed() -> None:
    trimmer = AllCoursesTrimmer(now=NOW, lookahead=LOOKAHEAD)
    with pytest.raises(BadCourseList, match="not valid JSON"):
        trimmer.feed(b'{"all_courses": [}')
    with pytest.raises(BadCourseList, match="already failed"):
        trimmer.feed(b"]}")
    with pytest.raises(BadCourseList, match="already failed"):
        trimmer.finish()


GOOD = course("S/good", NOW - timedelta(days=1), NOW + timedelta(days=1))


@pytest.mark.parametrize(
    ("payload", "match"),
    [
        ([GOOD], "not \\{"),  # top level a list
        ({"all_courses": {"item": GOOD}}, "not \\{"),  # all_courses not a list
        ({"all_courses": GOOD}, "not \\{"),
        ({"all_courses": None}, "not \\{"),
        ({"all_courses": "all"}, "not \\{"),
        ({"courses": [GOOD]}, "not \\{"),
        ({"other": 1, "all_courses": [GOOD]}, "not \\{"),
        ("all_courses", "not \\{"),
        (None, "not \\{"),
        ({}, "not \\{"),
        ({"all_courses": [GOOD, [GOOD]]}, "item 2 is not an object"),  # an item not an object
        ({"all_courses": [GOOD, "S/a"]}, "item 2 is not an object"),
        ({"all_courses": [GOOD, None]}, "item 2 is not an object"),
        ({"all_courses": [GOOD | {"facilitators": "Ada"}]}, "facilitators of 'S/good'"),
        ({"all_courses": [GOOD | {"facilitators": [1, 2]}]}, "facilitators of 'S/good'"),
        ({"all_courses": [GOOD | {"facilitators": ["Ada", None]}]}, "facilitators of"),
        ({"all_courses": [GOOD | {"facilitators": [["Ada"]]}]}, "facilitators of"),
        ({"all_courses": [GOOD | {"facilitators": None}]}, "facilitators of"),
        ({"all_courses": [GOOD | {"editors": {"Ada": 0}}]}, "editors of 'S/good'"),
        ({"all_courses": [{k: v for k, v in GOOD.items() if k != "editors"}]}, "editors of"),
        ({"all_courses": [GOOD | {"slug": None}]}, "has no slug"),
        ({"all_courses": [GOOD | {"slug": ""}]}, "has no slug"),
        ({"all_courses": [GOOD | {"slug": 31877}]}, "has no slug"),
    ],
)
def test_wrong_shapes(backend: str, payload: object, match: str) -> None:
    body = orjson.dumps(payload)
    fails(body, match)
    fails(body, match, chunk=1)


def test_a_bad_shape_in_an_ended_course_is_still_refused() -> None:
    """Shapes are checked on every course, not only the kept ones: one broken item means
    the answer cannot be trusted."""
    ended = course("S/old", NOW - timedelta(days=9), NOW - timedelta(days=8), editors="Ada")
    fails(answer(GOOD, ended), "editors of 'S/old'")


def test_an_empty_list_is_refused(backend: str) -> None:
    fails(b'{"all_courses": []}', "lists no course")
    fails(b' \n {\n  "all_courses" : [ ]\n}\n', "lists no course", chunk=1)


def test_a_list_of_only_ended_or_undated_courses_is_not_empty() -> None:
    result = trim(
        answer(
            course("S/old", NOW - timedelta(days=9), NOW - timedelta(days=8)),
            course("S/undated", None, None),
        )
    )
    assert (result.courses, result.listed, result.skipped) == ((), 2, 1)


def test_finish_twice_is_a_programming_error() -> None:
    trimmer = AllCoursesTrimmer(now=NOW, lookahead=LOOKAHEAD)
    trimmer.feed(answer(GOOD))
    trimmer.finish()
    with pytest.raises(RuntimeError):
        trimmer.finish()
    with pytest.raises(RuntimeError):
        trimmer.feed(b"")
