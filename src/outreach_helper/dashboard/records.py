"""Raw upstream payloads -> trimmed records, the only thing the cache ever stores.

Each record is built field by field from an allow-list: unknown fields are dropped, so a
passcode, an e-mail, a real name or an operational blob can never reach the cache or an
answer, even if the Dashboard starts sending more. Missing optional fields become None.
A payload of the wrong shape raises `UpstreamBadResponse`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from outreach_helper.dashboard.all_courses import CourseList
from outreach_helper.dashboard.outcomes import UpstreamBadResponse
from outreach_helper.domain.counts import human_count, parse_count
from outreach_helper.domain.rosters import dedupe_roster

ENROLLMENT_FIELDS = ("course_id", "course_title", "course_school", "course_term", "course_slug")
COURSE_TEXT_FIELDS = (
    "title", "school", "term", "slug", "type", "subject", "description", "url",
    "start", "end", "timeline_start", "timeline_end",
    # `courses` or `courses_generic`: the words the Dashboard uses for this course's roles
    "string_prefix",
)  # fmt: skip
# `ended` is not stored: the Dashboard renders it as `end < now` at that moment
# (course.json.jbuilder), stale as soon as it is cached; views compute it from `end`.
COURSE_FLAG_FIELDS = ("closed", "published", "private", "withdrawn")
# Exact integers in course.json ...
COURSE_COUNT_FIELDS = ("student_count", "trained_count", "article_count")
# ... and `number_to_human` strings ("6.44K"), kept as the text they are.
COURSE_HUMAN_COUNT_FIELDS = ("edit_count", "word_count", "references_count", "view_count")


def _object(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise UpstreamBadResponse(f"{what} is not a JSON object")
    return value


def _text(value: Any) -> str | None:
    """Strings pass; numbers become strings (ids, terms); anything else is dropped."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _wiki(value: Any) -> dict[str, str | None] | None:
    if not isinstance(value, Mapping):
        return None
    return {"language": _text(value.get("language")), "project": _text(value.get("project"))}


def trim_enrollment(row: Mapping[str, Any]) -> dict[str, Any]:
    """One `courses_details` row, field names unchanged (they are part of our API)."""
    record: dict[str, Any] = {name: _text(row.get(name)) for name in ENROLLMENT_FIELDS}
    record["course_id"] = _int(row.get("course_id"))
    # An exact integer (`course.user_count`, user_profiles/stats.json.jbuilder).
    record["user_count"] = _int(row.get("user_count"))
    record["user_role"] = _text(row.get("user_role"))
    return record


def trim_user_stats(payload: Any) -> dict[str, Any]:
    """`user_stats.json` -> `{"courses": [...], "max_project": ..., "uploaders": [...]}`.

    The instructor/student statistics are dropped: the API does not serve them. Of the
    uploads only the uploaders' names are kept, the one field that says whom the
    Dashboard found (see `domain/identity.py`); the service removes them once used.
    """
    body = _object(payload, "user_stats.json")
    rows = body.get("courses_details")
    if not isinstance(rows, list):
        raise UpstreamBadResponse("user_stats.json has no courses_details list")
    return {
        "courses": [trim_enrollment(row) for row in rows if isinstance(row, Mapping)],
        "max_project": _text(body.get("max_project")),
        "uploaders": _uploaders(body.get("user_recent_uploads")),
    }


def _uploaders(uploads: Any) -> list[str]:
    if not isinstance(uploads, list):
        return []
    names = (u.get("uploader") for u in uploads if isinstance(u, Mapping))
    return list(dict.fromkeys(name for name in names if isinstance(name, str)))


def safe_enroll_url(url: Any) -> str | None:
    """The enrolment link without anything after `/enroll/`, where staff see a passcode."""
    text = _text(url)
    if text is None:
        return None
    head, marker, _ = text.partition("/enroll/")
    return head + marker if marker else text


def trim_course(payload: Any) -> dict[str, Any]:
    """`course.json` -> the course's identity, windows, state and sizes."""
    course = _object(_object(payload, "course.json").get("course"), "course.json's course")
    if not isinstance(course.get("slug"), str):
        raise UpstreamBadResponse("course.json's course has no slug")
    record: dict[str, Any] = {"id": _int(course.get("id"))}
    record.update({name: _text(course.get(name)) for name in COURSE_TEXT_FIELDS})
    record["home_wiki"] = _wiki(course.get("home_wiki"))
    wikis = course.get("wikis")
    record["wikis"] = [w for w in map(_wiki, wikis) if w] if isinstance(wikis, list) else []
    record.update({name: _flag(course.get(name)) for name in COURSE_FLAG_FIELDS})
    record.update({name: parse_count(course.get(name)) for name in COURSE_COUNT_FIELDS})
    record.update({name: human_count(course.get(name)) for name in COURSE_HUMAN_COUNT_FIELDS})
    record["enroll_url"] = safe_enroll_url(course.get("enroll_url"))
    return record


# The user's ids on a row (`json.call(cu.user, :id, :username, :global_id)`,
# courses/_users.json.jbuilder): used to merge duplicate rows, not stored.
_USER_ID_FIELDS = ("id", "global_id")


def trim_roster_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """One enrolment row: who, in which role, since when; never real names or e-mail."""
    return {
        "id": _int(row.get("id")),
        "global_id": _int(row.get("global_id")),
        "username": _text(row.get("username")),
        "role": parse_count(row.get("role")) or 0,
        "role_description": _text(row.get("role_description")) or None,
        "enrolled_at": _text(row.get("enrolled_at")),
    }


def trim_roster(payload: Any) -> list[dict[str, Any]]:
    """`users.json` -> one row per person (highest role, then latest enrolment), the
    user's ids used to tell persons apart and then dropped."""
    course = _object(_object(payload, "users.json").get("course"), "users.json's course")
    rows = course.get("users")
    if not isinstance(rows, list):
        raise UpstreamBadResponse("users.json has no users list")
    trimmed = [trim_roster_row(row) for row in rows if isinstance(row, Mapping)]
    merged = dedupe_roster(row for row in trimmed if row["username"])
    return [{k: v for k, v in row.items() if k not in _USER_ID_FIELDS} for row in merged]


def course_list(listed: CourseList) -> dict[str, Any]:
    """The current courses of `all_courses.json` as stored: a row per course
    `[slug, start, end, facilitators, editors]`, and the counts of what was skipped."""
    return {
        "courses": [
            [c.slug, c.start, c.end, list(c.facilitators), list(c.editors)] for c in listed.courses
        ],
        "listed": listed.listed,
        "skipped": listed.skipped,
        "skipped_names": listed.skipped_names,
    }
