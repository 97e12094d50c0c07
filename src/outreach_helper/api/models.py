"""Response models: the single description of the API's shapes (and of the OpenAPI doc).

Answers are built by `views.py` as plain dicts and serialised once; tests validate them
against these models with extra fields forbidden, and schemathesis checks every answer
against the OpenAPI document made from them, so the two cannot drift apart.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ISO = "ISO-8601 UTC timestamp as the Dashboard sends it, or null"
SLUG_EXAMPLE = "Example_Wikimedians_User_Group,_Lagos/Wikidata_Days_2025_(November)"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _examples(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(extra="forbid", json_schema_extra={"examples": list(examples)})


# --- users -------------------------------------------------------------------------------

ENROLLMENT_EXAMPLE = {
    "course_id": 512334,
    "course_title": "Wikidata Days 2025",
    "course_school": "Example Wikimedians User Group, Lagos",
    "course_term": "November",
    "user_count": 42,
    "user_role": "Instructor",
    "course_slug": SLUG_EXAMPLE,
    "string_prefix": "courses_generic",
    "role_name": "Facilitator",
    "dashboard": "outreach",
    "dashboard_url": "https://outreachdashboard.wmflabs.org/courses/"
    "Example_Wikimedians_User_Group%2C_Lagos/Wikidata_Days_2025_%28November%29",
}
_PREFIX = (
    "`courses` (Wiki Education's classroom words: Student, Instructor, Course) or "
    "`courses_generic` (Editor, Facilitator, Program): the course's own, from its details "
    "when the answer read them, else the dashboard's default (`courses` on Wiki Education)"
)
_DASHBOARD = "The name of the dashboard the course is on (`DASHBOARDS`)"
_UNAVAILABLE = (
    "With `dashboard=all`: the dashboards that could not be asked just now (the answer is "
    "the others'; it is not kept by caches). Absent when every dashboard answered"
)


class Enrollment(Strict):
    """One row of `courses_details`, names as the Dashboard and the seed service use."""

    course_id: int | None = Field(description="Id of the enrollment row (not of the course)")
    course_title: str | None = Field(description="The course's title")
    course_school: str | None = Field(description="The institution or group running it")
    course_term: str | None = Field(description="The term, e.g. a month or a year")
    user_count: int | None = Field(description="Participants (the Dashboard's exact number)")
    user_role: str | None = Field(
        description='The role\'s name: "Student", "Instructor", "Campus Volunteer", '
        '"Online Volunteer" or "Wiki Education Staff" (the Outreach wording "Editor" and '
        '"Facilitator" is named so too); a label the service does not know, as sent'
    )
    course_slug: str | None = Field(
        description="`SCHOOL/TITLE_(TERM)`, the course's id on the Dashboard",
        examples=[SLUG_EXAMPLE],
    )
    string_prefix: str = Field(description=_PREFIX, examples=["courses_generic"])
    role_name: str = Field(
        description="The user's role in the course's words: Editor or Student (0), "
        "Facilitator or Instructor (1), Campus Volunteer, Online Volunteer, Wiki Education "
        "Staff (2 to 4)",
        examples=["Facilitator"],
    )
    dashboard: str = Field(description=_DASHBOARD, examples=["outreach"])
    dashboard_url: str | None = Field(description="The course's page on its Dashboard")


class EnrichedEnrollment(Enrollment):
    """With `?enrich=true`; fields are null where the course could not be read."""

    start: str | None = Field(description=f"Tracking window start: {ISO}")
    end: str | None = Field(description=f"Tracking window end: {ISO}")
    timeline_start: str | None = Field(description=f"Event window start: {ISO}")
    timeline_end: str | None = Field(description=f"Event window end: {ISO}")
    active: bool | None = Field(description="start <= now <= end (tracking window)")
    active_event: bool | None = Field(
        description="timeline_start <= now <= timeline_end (event window)"
    )
    active_tracking: bool | None = Field(
        description="Alias of `active` (same value), the name the wmf-outreach gadget reads"
    )
    staff: list[str] | None = Field(description="Sorted unique usernames with role >= 1")


class UserAnswer(Strict):
    """A user's enrollments, newest first, as the Dashboard lists them."""

    model_config = _examples(
        {
            "username": "Ada Example",
            "courses": [ENROLLMENT_EXAMPLE],
            "is_instructor": True,
            "is_student": False,
            "max_project": "wikidata",
            "dashboards": ["outreach"],
            "dashboard_urls": {"outreach": "https://outreachdashboard.wmflabs.org"},
        }
    )

    username: str = Field(description="The normalised username", examples=["Ada Example"])
    courses: list[EnrichedEnrollment | Enrollment] = Field(
        description="One row per enrollment (a user enrolled twice in one course appears "
        "twice); private courses are left out"
    )
    is_instructor: bool = Field(description="A staff role (>= 1) in any course")
    is_student: bool = Field(description="A student role in any course")
    max_project: str | None = Field(
        description="The project the user edits most, per the Dashboard", examples=["wikidata"]
    )
    dashboards: list[str] = Field(
        description="The dashboards that know the user (with `dashboard=all`, in configured "
        "order; the courses follow it)",
        examples=[["outreach"]],
    )
    dashboard_urls: dict[str, str] = Field(
        description="Base URL of each of those dashboards (the user's page there is "
        "`{url}/users/{username}`)"
    )
    unavailable: list[str] | None = Field(None, description=_UNAVAILABLE)


class StatusAnswer(Strict):
    """Enough for a gadget to decide, in one call, whether to show anything."""

    model_config = _examples(
        {
            "username": "Ada Example",
            "has_any_courses": True,
            "has_active_tracking": True,
            "has_active_event": True,
            "course_count": 2,
            "active_tracking_count": 2,
            "active_event_count": 1,
            "total_courses": 2,
            "tracked_count": 2,
        }
    )

    username: str = Field(description="The normalised username", examples=["Ada Example"])
    has_any_courses: bool = Field(description="course_count > 0")
    has_active_tracking: bool = Field(description="active_tracking_count > 0")
    has_active_event: bool = Field(description="active_event_count > 0")
    course_count: int = Field(description="Distinct courses the user is enrolled in", ge=0)
    active_tracking_count: int = Field(
        description="Courses whose tracking window (start..end) contains now; a course whose "
        "details cannot be read counts as not active",
        ge=0,
    )
    active_event_count: int = Field(
        description="Courses whose event window (timeline_start..timeline_end) contains now",
        ge=0,
    )
    total_courses: int = Field(
        description="Alias of `course_count` (same value), the name the wmf-outreach gadget reads",
        ge=0,
    )
    tracked_count: int = Field(
        description="Alias of `active_tracking_count` (same value), the name the wmf-outreach "
        "gadget reads",
        ge=0,
    )
    dashboards: list[str] | None = Field(
        None, description="With `dashboard=all`: the dashboards that know the user"
    )
    by_dashboard: dict[str, StatusAnswer] | None = Field(
        None,
        description="With `dashboard=all`: each of those dashboards' own status (the counts "
        "above are their sums)",
    )
    unavailable: list[str] | None = Field(None, description=_UNAVAILABLE)


class ActiveCourseStaff(Strict):
    course_slug: str = Field(examples=[SLUG_EXAMPLE])
    course_title: str | None = Field(examples=["Wikidata Days 2025"])
    staff: list[str] = Field(
        description="Sorted unique usernames with role >= 1; empty when the roster cannot be "
        "read right now"
    )
    dashboard: str = Field(description=_DASHBOARD, examples=["outreach"])
    dashboard_url: str | None = Field(description="The course's page on its Dashboard")


class ActiveStaffAnswer(Strict):
    """Who runs the courses a user is in right now: for "ask a facilitator" links."""

    model_config = _examples(
        {
            "username": "Zoë Müller",
            "window": "tracking",
            "all_staff": ["Ada Example", "Chidi Sample"],
            "courses": [
                {
                    "course_slug": SLUG_EXAMPLE,
                    "course_title": "Wikidata Days 2025",
                    "staff": ["Ada Example", "Chidi Sample"],
                    "dashboard": "outreach",
                    "dashboard_url": "https://outreachdashboard.wmflabs.org/courses/"
                    "Example_Wikimedians_User_Group%2C_Lagos/Wikidata_Days_2025_%28November%29",
                }
            ],
        }
    )

    username: str = Field(description="The normalised username", examples=["Ada Example"])
    window: Literal["tracking", "event"] = Field(
        description='"tracking" (start..end, the default) or "event" '
        "(timeline_start..timeline_end, with use_event_dates=true)"
    )
    all_staff: list[str] = Field(description="Staff of every listed course, sorted, unique")
    courses: list[ActiveCourseStaff] = Field(
        description="The user's courses active in the window, newest enrollment first"
    )
    dashboards: list[str] | None = Field(
        None, description="With `dashboard=all`: the dashboards that know the user"
    )
    unavailable: list[str] | None = Field(None, description=_UNAVAILABLE)


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(description='Always "about:blank"', examples=["about:blank"])
    title: str = Field(description="The status in words", examples=["Not found"])
    status: int = Field(description="The HTTP status code", examples=[404])
    detail: str = Field(
        description="What went wrong, in plain English",
        examples=["user 'Does Not Exist' is not on the Outreach Dashboard (or is private)"],
    )


class BatchItem(Strict):
    """One name of a batch: its own status, and either its answer or a problem."""

    username: str = Field(
        description="The normalised username, or the name as sent when it cannot be one",
        examples=["Ada Example"],
    )
    status: int = Field(
        description="200 found; 400 not a valid username; 404 not on the Dashboard; "
        "502/503/504 the Dashboard failed for this name and nothing is cached",
        examples=[200],
    )
    result: StatusAnswer | None = Field(description="The status answer when `status` is 200")
    problem: Problem | None = Field(description="What went wrong, when `status` is not 200")


class Normalization(Strict):
    from_: str = Field(alias="from", description="A name as sent", examples=["ada_Example"])
    to: str = Field(description="The username it stands for", examples=["Ada Example"])


class Participation(Strict):
    state: str = Field(description='"event" or "tracking"', examples=["event"])
    role: str = Field(description='"facilitator" or "editor"', examples=["editor"])
    courses: list[str] = Field(description="Slugs of the person's current courses")
    dashboards: list[str] = Field(
        description="The dashboards that have them", examples=[["outreach"]]
    )


class ParticipantsAnswer(Strict):
    """Who of the names asked takes part in a current course."""

    model_config = _examples(
        {
            "as_of": "2026-12-07T14:00:00.123456Z",
            "participants": {
                "Ada Example": {
                    "state": "event",
                    "role": "editor",
                    "courses": ["Example_Wikimedians_User_Group/Wikidata_Days_2026_(December)"],
                    "dashboards": ["outreach"],
                }
            },
        }
    )
    as_of: str = Field(description="When the knowledge was read from the Dashboard (UTC)")
    participants: dict[str, Participation] = Field(
        description="Normalised name -> participation; a name missing is in no current course"
    )
    unavailable: list[str] | None = Field(None, description=_UNAVAILABLE)


class BatchAnswer(Strict):
    """The status of each name, for gadgets that mark course participants in lists."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "users": [
                        {
                            "username": "Ada Example",
                            "status": 200,
                            "result": StatusAnswer.model_config["json_schema_extra"]["examples"][0],  # type: ignore[index]
                            "problem": None,
                        },
                        {
                            "username": "Does Not Exist",
                            "status": 404,
                            "result": None,
                            "problem": {
                                "type": "about:blank",
                                "title": "Not found",
                                "status": 404,
                                "detail": "user 'Does Not Exist' is not on the Outreach "
                                "Dashboard (or is private)",
                            },
                        },
                    ],
                    "normalized": [{"from": "ada_Example", "to": "Ada Example"}],
                }
            ]
        },
    )

    users: list[BatchItem] = Field(
        description="One item per distinct user, in the order sent; names that cannot be "
        "usernames come last"
    )
    normalized: list[Normalization] = Field(
        description="Names sent in another spelling, and the username each stands for"
    )


# --- courses -----------------------------------------------------------------------------


class Wiki(Strict):
    language: str | None = Field(examples=["en"])
    project: str | None = Field(examples=["wikipedia"])


_HUMAN = (
    "As the Dashboard writes it (Rails' number_to_human: three significant digits, units "
    "K, M, B, T, Q): an approximation, not an exact count"
)
_APPROX = "The number the text above stands for (approximate), or null"


class CourseAnswer(Strict):
    """A course's identity, windows, state and sizes; never a passcode or personal data."""

    model_config = _examples(
        {
            "id": 31877,
            "title": "Wikidata Days 2025",
            "school": "Example Wikimedians User Group, Lagos",
            "term": "November",
            "slug": SLUG_EXAMPLE,
            "type": "Editathon",
            "subject": "Cultural heritage",
            "description": "A two-day Wikidata workshop and a month of follow-up editing.",
            "url": None,
            "home_wiki": {"language": None, "project": "wikidata"},
            "wikis": [{"language": None, "project": "wikidata"}],
            "start": "2025-11-01T00:00:00.000Z",
            "end": "2025-12-15T23:59:59.000Z",
            "timeline_start": "2025-11-14T00:00:00.000Z",
            "timeline_end": "2025-11-15T23:59:59.000Z",
            "ended": False,
            "closed": False,
            "published": True,
            "private": False,
            "withdrawn": False,
            "student_count": 42,
            "trained_count": 30,
            "article_count": 120,
            "edit_count": "21.6K",
            "edit_count_approx": 21600,
            "word_count": "1.4M",
            "word_count_approx": 1400000,
            "references_count": "6.44K",
            "references_count_approx": 6440,
            "view_count": "5.45K",
            "view_count_approx": 5450,
            "enroll_url": "https://outreachdashboard.wmflabs.org/courses/x/y/enroll/",
            "active": True,
            "active_event": False,
            "string_prefix": "courses_generic",
            "dashboard": "outreach",
            "dashboard_url": "https://outreachdashboard.wmflabs.org/courses/"
            "Example_Wikimedians_User_Group%2C_Lagos/Wikidata_Days_2025_%28November%29",
        }
    )

    id: int | None = Field(description="The course's own id on the Dashboard")
    title: str | None
    school: str | None
    term: str | None
    slug: str | None = Field(examples=[SLUG_EXAMPLE])
    type: str | None = Field(examples=["Editathon"])
    subject: str | None
    description: str | None
    url: str | None
    home_wiki: Wiki | None
    wikis: list[Wiki]
    start: str | None = Field(description=f"Tracking window start: {ISO}")
    end: str | None = Field(description=f"Tracking window end: {ISO}")
    timeline_start: str | None = Field(description=f"Event window start: {ISO}")
    timeline_end: str | None = Field(description=f"Event window end: {ISO}")
    ended: bool | None = Field(description="end < now, computed when answering")
    closed: bool | None
    published: bool | None
    private: bool | None
    withdrawn: bool | None
    student_count: int | None
    trained_count: int | None
    article_count: int | None
    edit_count: str | None = Field(description=_HUMAN, examples=["21.6K"])
    edit_count_approx: int | None = Field(description=_APPROX)
    word_count: str | None = Field(description=_HUMAN, examples=["1.4M"])
    word_count_approx: int | None = Field(description=_APPROX)
    references_count: str | None = Field(description=_HUMAN, examples=["6.44K"])
    references_count_approx: int | None = Field(description=_APPROX)
    view_count: str | None = Field(description=_HUMAN, examples=["5.45K"])
    view_count_approx: int | None = Field(description=_APPROX)
    enroll_url: str | None = Field(description="The enrolment link, without any passcode")
    active: bool | None = Field(description="start <= now <= end; null when a date is unknown")
    active_event: bool | None = Field(
        description="timeline_start <= now <= timeline_end; null when a date is unknown"
    )
    string_prefix: str | None = Field(
        description="`courses` (classroom words: Student, Instructor, Course) or "
        "`courses_generic` (Editor, Facilitator, Program), as the Dashboard sends it"
    )
    dashboard: str = Field(description=_DASHBOARD, examples=["outreach"])
    dashboard_url: str | None = Field(description="The course's page on the Dashboard")


class RosterMember(Strict):
    username: str = Field(examples=["Ada Example"])
    role: int = Field(
        description="0 student, 1 facilitator, 2 campus volunteer, "
        "3 online volunteer, 4 Wiki Education staff",
        examples=[1],
    )
    role_name: str = Field(
        description="The role's name in the course's words (`string_prefix`): Editor or "
        "Student (0), Facilitator or Instructor (1), Campus Volunteer, Online Volunteer, Wiki "
        "Education Staff (2 to 4)",
        examples=["Facilitator"],
    )
    role_description: str | None
    enrolled_at: str | None = Field(description=ISO)


class RosterAnswer(Strict):
    """One row per person: the highest role they hold, their latest enrolment."""

    model_config = _examples(
        {
            "course_slug": SLUG_EXAMPLE,
            "dashboard": "outreach",
            "string_prefix": "courses_generic",
            "facilitators": [
                {
                    "username": "Ada Example",
                    "role": 1,
                    "role_name": "Facilitator",
                    "role_description": None,
                    "enrolled_at": "2025-10-20T09:00:00.000Z",
                }
            ],
            "participants": [
                {
                    "username": "Zoë Müller",
                    "role": 0,
                    "role_name": "Editor",
                    "role_description": None,
                    "enrolled_at": "2025-11-14T10:12:00.000Z",
                }
            ],
        }
    )

    course_slug: str = Field(examples=[SLUG_EXAMPLE])
    dashboard: str = Field(description=_DASHBOARD, examples=["outreach"])
    string_prefix: str = Field(description=_PREFIX, examples=["courses_generic"])
    facilitators: list[RosterMember] = Field(description="Everyone with role >= 1")
    participants: list[RosterMember] = Field(description="Everyone else")


# --- health ------------------------------------------------------------------------------


class StoreHealth(Strict):
    backend: str = Field(description='"redis" or "memory"', examples=["redis"])
    status: str = Field(description='"ok" or "degraded"', examples=["ok"])
    error: str | None


class EndpointHealth(Strict):
    status: str = Field(description='"down" (its last call, by any worker, failed) or "ok"')
    last_success_at: float | None = Field(description="Unix time of its last good answer")
    last_failure_at: float | None = Field(description="Unix time of its last failure")
    last_error: str | None


class UpstreamHealth(Strict):
    base_url: str = Field(examples=["https://outreachdashboard.wmflabs.org"])
    status: str = Field(
        description='"down" when the most recent call to the Dashboard, by any worker, '
        'failed and none has succeeded since; "degraded" while a circuit of this worker is '
        "not closed (and no worker has seen the endpoint answer since it opened) or "
        'stale-if-error answers were served in the last minute; "ok" otherwise',
        examples=["ok"],
    )
    circuits: dict[str, str] = Field(
        description='This worker\'s circuit per endpoint: "closed" (calls go through), "open" '
        '(calls fail fast while the Dashboard cools down) or "half-open" (one probe goes '
        "through)"
    )
    last_success_at: float | None = Field(
        description="Unix time of the last good answer, by any worker"
    )
    last_failure_at: float | None = Field(
        description="Unix time of the last failure, by any worker"
    )
    last_error: str | None = Field(description="The last failure's error, by any worker")
    endpoints: dict[str, EndpointHealth] = Field(
        description="The same, per endpoint (user_stats, course, users)"
    )


class HealthAnswer(Strict):
    status: str = Field(description='"ok" or "degraded"', examples=["ok"])
    version: str
    store: StoreHealth
    upstream: UpstreamHealth = Field(description="The default dashboard (the first configured)")
    dashboards: dict[str, UpstreamHealth] = Field(
        description="Every configured dashboard by name, the default included"
    )
    history: str = Field(
        "/stats",
        description="The maintainer's page: the same figures over 1 h, 24 h and 7 d "
        "(`/stats.json` for the data)",
    )


# --- documentation of responses ----------------------------------------------------------

_HEADER_DOCS = {
    "ETag": "A weak validator of the body: send it back in If-None-Match to get 304",
    "Cache-Control": "public, max-age (remaining freshness, never past the next window "
    "boundary when the answer has activity flags), stale-while-revalidate, stale-if-error",
    "Age": "Seconds since the Dashboard gave the oldest data in the answer",
    "Cache-Status": "RFC 9211: `outreach-helper; hit`, `hit; fwd=stale`, "
    "`hit; fwd=stale; detail=stale-if-error` or `fwd=miss; stored`",
}
ANSWER_HEADERS = {name: {"description": text, "schema": {"type": "string"}}
                  for name, text in _HEADER_DOCS.items()}  # fmt: skip

_PROBLEMS = {
    400: ("Invalid username, school or title", "Invalid input",
          "username contains a character MediaWiki forbids: '#'"),
    404: ("Unknown or private user or course", "Not found",
          "user 'Does Not Exist' is not on the Outreach Dashboard (or is private)"),
    422: ("Invalid query parameter", "Invalid input",
          "query.enrich: Input should be 'true', 'false', '1' or '0'"),
    502: ("The Dashboard answered badly and nothing usable is cached", "Bad gateway",
          "user_stats: the Dashboard answered 500"),
    503: ("The Dashboard is unreachable and nothing usable is cached", "Upstream unavailable",
          "user_stats: ConnectError"),
    504: ("The Dashboard did not answer in time and nothing usable is cached (with "
          "Retry-After)", "Upstream timeout",
          "the Dashboard is slow; no answer within 10 s (the fetch goes on, try again shortly)"),
    414: ("The request target (path and query string) is over 8 KiB", "URI Too Long",
          "the request target (path and query) is over 8192 bytes"),
    431: ("The request headers are over 16 KiB in all", "Request Header Fields Too Large",
          "the request headers are over 16384 bytes in all"),
}  # fmt: skip

PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {
        "model": Problem,
        "description": text,
        "content": {
            "application/problem+json": {
                "example": {
                    "type": "about:blank",
                    "title": title,
                    "status": status,
                    "detail": detail,
                }  # fmt: skip
            }
        },
    }
    for status, (text, title, detail) in _PROBLEMS.items()
}


# Every route: answered by `limits.py` before any routing.
LIMIT_RESPONSES = {status: PROBLEM_RESPONSES[status] for status in (414, 431)}


def answer_responses(
    description: str, *, problems: tuple[int, ...] = (400, 404, 422, 502, 503, 504)
) -> dict[int | str, dict[str, Any]]:
    """OpenAPI responses of a cached JSON route: 200 with its cache headers, 304, problems."""
    return {
        200: {"description": description, "headers": ANSWER_HEADERS},
        304: {
            "description": "Not modified: If-None-Match matched the ETag (no body)",
            "headers": ANSWER_HEADERS,
        },
        **{status: PROBLEM_RESPONSES[status] for status in problems},
    }
