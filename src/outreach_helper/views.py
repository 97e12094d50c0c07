"""Stored records -> answer bodies. Pure: the time is an argument, nothing is fetched.

Time-dependent fields (`active`, `active_event`, `ended`) are computed here, at answer
time, from the stored dates; they are never stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from outreach_helper.dashboard.urls import encode_segment
from outreach_helper.domain.counts import human_count, parse_count
from outreach_helper.domain.namelists import NameList
from outreach_helper.domain.participation import Index, participation
from outreach_helper.domain.roles import (
    canonical_label,
    known_prefix,
    role_code,
    role_name,
    summarize_roles,
)
from outreach_helper.domain.rosters import sort_usernames, split_roster, staff_usernames
from outreach_helper.domain.slugs import InvalidSlug, split_course_slug
from outreach_helper.domain.windows import has_ended, next_boundary, within_window

DATE_FIELDS = ("start", "end", "timeline_start", "timeline_end")
# course.json's `number_to_human` counts: shown as the Dashboard wrote them ("6.44K"),
# with `<name>_approx`, the number that text stands for (three significant digits).
HUMAN_COUNT_FIELDS = ("edit_count", "word_count", "references_count", "view_count")
# The two windows a course has: "tracking" counts contributions, "event" is the event itself.
WINDOW_FIELDS = {"tracking": ("start", "end"), "event": ("timeline_start", "timeline_end")}


@dataclass(frozen=True, slots=True)
class Site:
    """The dashboard an answer's courses come from: the name and the links every course
    object carries, and the words (`string_prefix`) of a course whose own are not known."""

    name: str
    base_url: str
    string_prefix: str

    def course_url(self, slug: str) -> str | None:
        """The course's page on its Dashboard; None for a slug that cannot be a course's."""
        try:
            school, title = split_course_slug(slug)
        except InvalidSlug:
            return None
        return f"{self.base_url}/courses/{encode_segment(school)}/{encode_segment(title)}"

    def user_url(self, username: str) -> str:
        return f"{self.base_url}/users/{encode_segment(username)}"

    def mark(self, course: dict[str, Any], slug: str) -> None:
        """Add `dashboard` and `dashboard_url` to a course object."""
        course["dashboard"] = self.name
        course["dashboard_url"] = self.course_url(slug)


def activity(course: dict[str, Any], now: datetime) -> dict[str, bool | None]:
    """`active` = tracking window contains now; `active_event` = event window does."""
    return {
        "active": within_window(course.get("start"), course.get("end"), now),
        "active_event": within_window(
            course.get("timeline_start"), course.get("timeline_end"), now
        ),
    }


def next_change(
    courses: Iterable[dict[str, Any] | None],
    now: datetime,
    windows: Iterable[str] = ("tracking", "event"),
) -> datetime | None:
    """The first moment after `now` at which an activity flag of these courses could flip
    (a window start or end); None when no boundary lies ahead. Answers built from these
    courses stay the same until then, so they may be reused and cached up to it."""
    fields = [WINDOW_FIELDS[window] for window in windows]
    moments = [
        moment
        for course in courses
        if course is not None
        for start, end in fields
        if (moment := next_boundary(course.get(start), course.get(end), now)) is not None
    ]
    return min(moments, default=None)


def enrichment(
    course: dict[str, Any] | None, roster: list[dict[str, Any]] | None, now: datetime
) -> dict[str, Any]:
    """The enriched fields of one enrollment; None where the course could not be read."""
    fields: dict[str, Any] = dict.fromkeys(DATE_FIELDS)
    fields.update(active=None, active_event=None)
    if course is not None:
        fields.update({name: course.get(name) for name in DATE_FIELDS})
        fields.update(activity(course, now))
    # The wmf-outreach gadget's name for `active` (documented alias, same value).
    fields["active_tracking"] = fields["active"]
    fields["staff"] = staff_usernames(roster) if roster is not None else None
    return fields


def user_view(
    username: str,
    record: dict[str, Any],
    now: datetime,
    site: Site,
    enrichments: dict[str, tuple[dict[str, Any] | None, list[dict[str, Any]] | None]] | None = None,
) -> dict[str, Any]:
    """The user answer; with `enrichments` (slug -> (course, roster)) each course gains
    its dates, activity and staff. Each course names its dashboard, and the user's role
    in the course's own words (its `string_prefix`, known from its details)."""
    courses = []
    for enrollment in record["courses"]:
        course = dict(enrollment)
        slug = enrollment.get("course_slug") or ""
        course["user_role"] = canonical_label(enrollment.get("user_role"))
        details = None
        if enrichments is not None:
            details, roster = enrichments.get(slug, (None, None))
            course.update(enrichment(details, roster, now))
        prefix = known_prefix((details or {}).get("string_prefix"), site.string_prefix)
        course["string_prefix"] = prefix
        course["role_name"] = role_name(role_code(enrollment.get("user_role")), prefix)
        site.mark(course, slug)
        courses.append(course)
    is_instructor, is_student = summarize_roles(c.get("user_role") for c in record["courses"])
    return {
        "username": username,
        "courses": courses,
        "is_instructor": is_instructor,
        "is_student": is_student,
        "max_project": record.get("max_project"),
        "dashboards": [site.name],
        "dashboard_urls": {site.name: site.base_url},
    }


def course_view(record: dict[str, Any], now: datetime, site: Site, slug: str) -> dict[str, Any]:
    """Trimmed course details plus `ended`, activity and a link to the course's Dashboard
    page. `ended` is computed now: stored as rendered, it would stay false for the day
    the details are cached after the course ended."""
    body = dict(record)
    body["ended"] = has_ended(record.get("end"), now)
    for name in HUMAN_COUNT_FIELDS:
        text = human_count(record.get(name))
        body[name] = text
        body[f"{name}_approx"] = parse_count(text)
    body.update(activity(record, now))
    site.mark(body, slug)
    return body


def roster_row_view(row: dict[str, Any], prefix: str) -> dict[str, Any]:
    code = row.get("role") or 0
    return {
        "username": row["username"],
        "role": code,
        "role_name": role_name(code, prefix),
        "role_description": row.get("role_description"),
        "enrolled_at": row.get("enrolled_at"),
    }


def roster_view(
    slug: str, rows: list[dict[str, Any]], details: dict[str, Any] | None, site: Site
) -> dict[str, Any]:
    """The roster split into facilitators (role >= 1) and participants, one row a person,
    roles named in the course's words (from its details when they could be read)."""
    facilitators, participants = split_roster(rows)
    prefix = known_prefix((details or {}).get("string_prefix"), site.string_prefix)
    return {
        "course_slug": slug,
        "dashboard": site.name,
        "string_prefix": prefix,
        "facilitators": [roster_row_view(row, prefix) for row in facilitators],
        "participants": [roster_row_view(row, prefix) for row in participants],
    }


# --- status and staff of active courses -----------------------------------------------


def distinct_slugs(record: dict[str, Any]) -> list[str]:
    """A user's course slugs, each once, in enrollment order (newest first)."""
    return list(dict.fromkeys(e["course_slug"] for e in record["courses"] if e.get("course_slug")))


def is_active(course: dict[str, Any] | None, window: str, now: datetime) -> bool:
    """Whether `window` of a course contains now; unknown dates or no details mean no."""
    if course is None:
        return False
    start, end = WINDOW_FIELDS[window]
    return within_window(course.get(start), course.get(end), now) is True


def status_view(
    username: str, record: dict[str, Any], details: dict[str, dict[str, Any] | None], now: datetime
) -> dict[str, Any]:
    """What a gadget needs to decide whether to show anything: counts over distinct courses.

    `details` maps each slug to its course record, or None when it could not be read (such
    a course counts, but not as active)."""
    slugs = distinct_slugs(record)
    tracking = sum(is_active(details.get(slug), "tracking", now) for slug in slugs)
    event = sum(is_active(details.get(slug), "event", now) for slug in slugs)
    return {
        "username": username,
        "has_any_courses": bool(slugs),
        "has_active_tracking": tracking > 0,
        "has_active_event": event > 0,
        "course_count": len(slugs),
        "active_tracking_count": tracking,
        "active_event_count": event,
        # The wmf-outreach gadget's names (documented aliases, same values).
        "total_courses": len(slugs),
        "tracked_count": tracking,
    }


def active_slugs(
    record: dict[str, Any],
    details: dict[str, dict[str, Any] | None],
    window: str,
    now: datetime,
) -> list[str]:
    """The user's distinct slugs whose `window` contains now, in enrollment order."""
    return [slug for slug in distinct_slugs(record) if is_active(details.get(slug), window, now)]


def active_staff_view(
    username: str,
    record: dict[str, Any],
    details: dict[str, dict[str, Any] | None],
    rosters: dict[str, list[dict[str, Any]] | None],
    window: str,
    now: datetime,
    site: Site,
) -> dict[str, Any]:
    """Staff of the user's courses active in `window`; a roster that could not be read
    gives an empty staff list (the course is still listed)."""
    titles = {e["course_slug"]: e.get("course_title") for e in record["courses"]}
    courses = []
    everyone: set[str] = set()
    for slug in active_slugs(record, details, window, now):
        course = details[slug] or {}
        roster = rosters.get(slug)
        staff = staff_usernames(roster) if roster is not None else []
        everyone.update(staff)
        item = {
            "course_slug": slug,
            "course_title": course.get("title") or titles.get(slug),
            "staff": staff,
        }
        site.mark(item, slug)
        courses.append(item)
    return {
        "username": username,
        "window": window,
        "all_staff": sort_usernames(everyone),
        "courses": courses,
    }


# --- batches ----------------------------------------------------------------------------


def problem_body(status: int, title: str, detail: str) -> dict[str, Any]:
    """RFC 9457 problem details, as every error of the API is shaped."""
    return {"type": "about:blank", "title": title, "status": status, "detail": detail}


def batch_view(names: NameList, outcomes: dict[str, tuple[int, Any]]) -> dict[str, Any]:
    """One item per distinct name (in the order sent, names that cannot be usernames
    last), each with its own status: the status answer, or a problem.

    `outcomes` maps each valid name to (200, status body) or (error status, (title, detail)).
    """
    users = []
    for name in names.names:
        status, value = outcomes[name]
        if status == 200:
            users.append({"username": name, "status": 200, "result": value, "problem": None})
        else:
            title, detail = value
            users.append(
                {"username": name, "status": status, "result": None,
                 "problem": problem_body(status, title, detail)}
            )  # fmt: skip
    for raw, why in names.invalid:
        users.append(
            {"username": raw, "status": 400, "result": None,
             "problem": problem_body(400, "Invalid input", why)}
        )  # fmt: skip
    return {
        "users": users,
        "normalized": [{"from": raw, "to": name} for raw, name in names.normalized],
    }


def participants_view(
    names: Iterable[str], index: Index, as_of: float, now: float, dashboard: str
) -> dict[str, Any]:
    """`/api/participants`: each name in a current course, with its state, role and
    courses; a name that is not a key is in none (domain/participation.py)."""
    found = {}
    for name in names:
        part = participation(index, name, now)
        if part is not None:
            part["dashboards"] = [dashboard]
            found[name] = part
    return {
        "as_of": datetime.fromtimestamp(as_of, UTC).isoformat().replace("+00:00", "Z"),
        "participants": found,
    }
