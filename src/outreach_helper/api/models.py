"""Response models: the single description of the API's shapes (and of the OpenAPI doc).

Answers are built by `views.py` as plain dicts and serialised once; tests validate them
against these models with extra fields forbidden, so the two cannot drift apart.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Enrollment(Strict):
    """One row of `courses_details`, names as the Dashboard and the seed service use."""

    course_id: int | None = Field(description="Id of the enrollment row (not of the course)")
    course_title: str | None
    course_school: str | None
    course_term: str | None
    user_count: int | None
    user_role: str | None = Field(description='Display label, e.g. "Student", "Instructor"')
    course_slug: str | None = Field(examples=["Example_School/Example_Course_(2025)"])


class EnrichedEnrollment(Enrollment):
    """With `?enrich=true`; fields are null where the course could not be read."""

    start: str | None
    end: str | None
    timeline_start: str | None
    timeline_end: str | None
    active: bool | None = Field(description="start <= now <= end (tracking window)")
    active_event: bool | None = Field(
        description="timeline_start <= now <= timeline_end (event window)"
    )
    staff: list[str] | None = Field(description="Sorted unique usernames with role >= 1")


class UserAnswer(Strict):
    username: str = Field(description="The normalised username", examples=["Ada Example"])
    courses: list[EnrichedEnrollment | Enrollment]
    is_instructor: bool
    is_student: bool
    max_project: str | None


class StatusAnswer(Strict):
    """Enough for a gadget to decide, in one call, whether to show anything."""

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


class ActiveCourseStaff(Strict):
    course_slug: str = Field(examples=["Example_School/Example_Course_(2025)"])
    course_title: str | None
    staff: list[str] = Field(
        description="Sorted unique usernames with role >= 1; empty when the roster cannot be "
        "read right now"
    )


class ActiveStaffAnswer(Strict):
    username: str = Field(description="The normalised username", examples=["Ada Example"])
    window: Literal["tracking", "event"] = Field(
        description='"tracking" (start..end, the default) or "event" '
        "(timeline_start..timeline_end, with use_event_dates=true)"
    )
    all_staff: list[str] = Field(description="Staff of every listed course, sorted, unique")
    courses: list[ActiveCourseStaff] = Field(
        description="The user's courses active in the window, newest enrollment first"
    )


class Wiki(Strict):
    language: str | None
    project: str | None


class CourseAnswer(Strict):
    id: int | None
    title: str | None
    school: str | None
    term: str | None
    slug: str | None
    type: str | None
    subject: str | None
    description: str | None
    url: str | None
    home_wiki: Wiki | None
    wikis: list[Wiki]
    start: str | None
    end: str | None
    timeline_start: str | None
    timeline_end: str | None
    ended: bool | None
    closed: bool | None
    published: bool | None
    private: bool | None
    withdrawn: bool | None
    student_count: int | None
    trained_count: int | None
    article_count: int | None
    edit_count: int | None
    word_count: int | None
    references_count: int | None
    view_count: int | None
    enroll_url: str | None
    active: bool | None
    active_event: bool | None
    dashboard_url: str


class RosterMember(Strict):
    username: str
    role: int = Field(
        description="0 student, 1 facilitator, 2 campus volunteer, "
        "3 online volunteer, 4 Wiki Education staff"
    )
    role_name: str
    role_description: str | None
    enrolled_at: str | None


class RosterAnswer(Strict):
    course_slug: str
    facilitators: list[RosterMember]
    participants: list[RosterMember]


class StoreHealth(Strict):
    backend: str
    status: str
    error: str | None


class UpstreamHealth(Strict):
    base_url: str
    last_success_at: float | None
    last_failure_at: float | None
    last_error: str | None


class HealthAnswer(Strict):
    status: str = Field(description='"ok" or "degraded"')
    version: str
    store: StoreHealth
    upstream: UpstreamHealth


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str


PROBLEM_RESPONSES: dict[int | str, dict[str, object]] = {
    status: {"model": Problem, "content": {"application/problem+json": {}}, "description": text}
    for status, text in {
        400: "Invalid username, school or title",
        404: "Unknown or private user or course",
        422: "Invalid query parameter",
        502: "The Dashboard answered badly and nothing usable is cached",
        503: "The Dashboard is unreachable and nothing usable is cached",
        504: "The Dashboard did not answer in time and nothing usable is cached",
    }.items()
}
