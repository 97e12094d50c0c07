"""A second sample world: the Wiki Education Dashboard (``https://dashboard.wikiedu.org``).

The same application as the Outreach Dashboard with ``Features.wiki_ed?`` on, so the same
routes and JSON views (``rails.py`` serves this world unchanged); what differs is its data,
built here with the same builder and samples as ``dataset.py``:

- classroom courses: ``type`` ClassroomProgramCourse, ``string_prefix`` ``courses`` (the
  words Student(s), Instructor(s), Course), ``timeline_enabled``, and the timeline the
  whole term (``Course#ensure_required_params``: ``timeline_start ||= start``);
- courses need approval: ``submitted`` and ``published`` (``CampaignsCourses.exists?``) in
  course.json; a course is approved once it is in a campaign (``Course#approved?``);
- the program manager is added with role 4 to every approved classroom course
  (lib/list_course_manager.rb, ``add_classroom_program_manager_if_exists``), and Wiki
  Education staff with role 4 elsewhere; users.json rows carry ``content_expert`` and
  ``program_manager`` (courses_users.rb: role > 0, admin permissions, greeter or not) and
  ``admin``; a greeter's (content expert's) ``real_name`` and ``email`` are shown to every
  reader (courses/_users.json.jbuilder), so such a row has them;
- user_stats.json: ``as_instructor``/``as_student`` ``course_string_prefix`` ``courses``
  (``Features.default_course_string_prefix``), ``as_instructor`` only for people with a
  role-1 row (``User#course_instructor?``); ``user_role`` labels are ``users.role.*``
  (Student, Instructor, ...) as on the Outreach Dashboard;
- a visiting scholarship (``VisitingScholarship``) keeps ``courses_generic``: the words
  belong to the course type, not to the dashboard.

A username is one global account: the people of both worlds (``BOTH``) have the same
``global_id`` here as in ``dataset.py``, and their own ``id`` (each Dashboard numbers its
users). Windows are whole days from today (``start..end``, ``timeline``), so they move with
``now`` like the Outreach world's::

    SLUG_CLASSROOM  Riverside_State_University/Environmental_History_of_Rivers_(Current_Term)
                    approved classroom course, term -40d..+50d (timeline the same: on now),
                    student_count 24, campaign CAMPAIGN_CURRENT. INSTRUCTOR (1),
                    PROGRAM_MANAGER (4, program_manager), STUDENT (0), CLASSMATE (0),
                    ZOE (0), STAFFER (4, content_expert, real_name and email shown).
    SLUG_PRIVATE    Riverside_State_University/Honors_Seminar_on_Water_Law_(Current_Term)
                    PRIVATE (404, left out of lists and courses_details), else like
                    SLUG_CLASSROOM. INSTRUCTOR (1), PROGRAM_MANAGER (4), STUDENT (0).
    SLUG_ENDED      Riverside_State_University/Environmental_History_of_Rivers_(Previous_Term)
                    approved, ended (-220d..-110d), campaign CAMPAIGN_PREVIOUS.
                    INSTRUCTOR (1), PROGRAM_MANAGER (4), PAST_STUDENT (0).
    SLUG_SCHOLARS   Example_Public_Library/Visiting_Scholars_(Current_Term)
                    VisitingScholarship, courses_generic, tracking (-150d..+215d, its
                    timeline -150d..-120d is over), campaign CAMPAIGN_SCHOLARS; no program
                    manager (not a classroom course). SPONSOR (1), MARC (0).
    SLUG_SUBMITTED  Lakeside_Community_College/Introduction_to_Sociology_(Next_Term)
                    submitted, not approved (published false, in no campaign, so no program
                    manager), future (+35d..+125d). NEW_INSTRUCTOR (1).

People::

    STUDENT          Priya Natarajan      only here: SLUG_CLASSROOM (Student); in PRIVATE too
    INSTRUCTOR       Prof. Maya Rivera    only here: SLUG_CLASSROOM, SLUG_ENDED (Instructor)
    PROGRAM_MANAGER  Program Manager (Wiki Ed)  only here: role 4 in each approved classroom
                                          course (CLASSROOM, ENDED; PRIVATE left out)
    CLASSMATE        Sofía Núñez          only here: SLUG_CLASSROOM (Student)
    PAST_STUDENT     Kwame Mensah         only here: SLUG_ENDED (Student): a grey light
    NEW_INSTRUCTOR   Taylor Brooks        only here: SLUG_SUBMITTED (Instructor), not started
    SPONSOR          Library Liaison      only here: SLUG_SCHOLARS (Instructor; "Facilitator"
                                          in that course's words)
    ZOE              Zoë Müller           BOTH: a student here (SLUG_CLASSROOM) and an editor
                                          in the Outreach event on now (ds.SLUG_ACTIVE)
    STAFFER          Staffer (Wiki Ed), Test  BOTH: content expert (4) in SLUG_CLASSROOM;
                                          staff and volunteer on the Outreach Dashboard
    MARC             Marc-André Tremblay  BOTH: visiting scholar (0) in SLUG_SCHOLARS; an
                                          editor in three Outreach courses
    ds.ADA and every other Outreach person are unknown here (404).
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any

from outreach_helper.demo import dataset as ds
from outreach_helper.demo.dataset import (
    Dataset,
    _Builder,
    _CourseSpec,
    _utc,
    build_dataset,
    load_sample,
    make_slug,
)

BASE_URL = "https://dashboard.wikiedu.org"

STUDENT = "Priya Natarajan"
INSTRUCTOR = "Prof. Maya Rivera"
PROGRAM_MANAGER = "Program Manager (Wiki Ed)"
CLASSMATE = "Sofía Núñez"
PAST_STUDENT = "Kwame Mensah"
NEW_INSTRUCTOR = "Taylor Brooks"
SPONSOR = "Library Liaison"
# On both Dashboards: one global account each.
ZOE = ds.ZOE
STAFFER = ds.STAFFER
MARC = ds.MARC
CONTENT_EXPERT = STAFFER
SCHOLAR = MARC
BOTH = (ZOE, STAFFER, MARC)

SLUG_CLASSROOM = make_slug(
    "Riverside State University", "Environmental History of Rivers", "Current Term"
)
SLUG_PRIVATE = make_slug(
    "Riverside State University", "Honors Seminar on Water Law", "Current Term"
)
SLUG_ENDED = make_slug(
    "Riverside State University", "Environmental History of Rivers", "Previous Term"
)
SLUG_SCHOLARS = make_slug("Example Public Library", "Visiting Scholars", "Current Term")
SLUG_SUBMITTED = make_slug("Lakeside Community College", "Introduction to Sociology", "Next Term")

CAMPAIGN_CURRENT = "current_term"
CAMPAIGN_PREVIOUS = "previous_term"
CAMPAIGN_SCHOLARS = "visiting_scholars"

_CLASSROOM = "ClassroomProgramCourse"
# What ClassroomProgramCourse answers in course.json (app/models/course_types/...).
_CLASSROOM_FIELDS = (
    ("timeline_enabled", True), ("progress_tracker_enabled", True),
    ("training_library_slug", "students"), ("wiki_string_prefix", "articles"),
    ("weekdays", "0101000"), ("format", ""), ("level", "Introductory"),
)  # fmt: skip
_PROGRAM_MANAGER_ROW = {"program_manager": True, "admin": True}
_CONTENT_EXPERT_ROW = {
    "content_expert": True, "admin": True,
    "real_name": "Test Staffer", "email": "staffer@wikiedu.example",
}  # fmt: skip


def _campaigns() -> dict[str, list[str]]:
    return {
        CAMPAIGN_CURRENT: [SLUG_CLASSROOM, SLUG_PRIVATE],
        CAMPAIGN_PREVIOUS: [SLUG_ENDED],
        CAMPAIGN_SCHOLARS: [SLUG_SCHOLARS],
    }


def _specs(campaigns: dict[str, list[str]]) -> list[_CourseSpec]:
    published = {slug for slugs in campaigns.values() for slug in slugs}

    def classroom(school: str, title: str, term: str, **kw: Any) -> _CourseSpec:
        slug = make_slug(school, title, term)
        more = (*_CLASSROOM_FIELDS, ("wiki_course_page_enabled", True),
                ("assignment_edits_enabled", slug in published))  # fmt: skip
        return _CourseSpec(
            school=school, title=title, term=term, course_type=_CLASSROOM,
            string_prefix="courses", submitted=True, published=slug in published,
            subject=kw.pop("subject", "Environmental history"), more=more,
            description=kw.pop("description", "A classroom course of the sample Wiki "
                               "Education Dashboard."), **kw,
        )  # fmt: skip

    return [
        classroom(
            "Riverside State University",
            "Environmental History of Rivers",
            "Current Term",
            course_id=70101,
            state="active_event",
            student_count=24,
            days=(-40, 50, -40, 50),
            description="Students write Wikipedia articles on the rivers of their region.",
        ),
        classroom(
            "Riverside State University",
            "Honors Seminar on Water Law",
            "Current Term",
            course_id=70102,
            state="active_event",
            student_count=8,
            days=(-40, 50, -40, 50),
            private=True,
            subject="Law",
        ),
        classroom(
            "Riverside State University",
            "Environmental History of Rivers",
            "Previous Term",
            course_id=70001,
            state="ended",
            student_count=19,
            days=(-220, -110, -220, -110),
        ),
        _CourseSpec(
            school="Example Public Library",
            title="Visiting Scholars",
            term="Current Term",
            course_id=70103,
            state="active_tracking",
            student_count=1,
            course_type="VisitingScholarship",
            string_prefix="courses_generic",
            submitted=True,
            published=True,
            days=(-150, 215, -150, -120),
            subject="Local history",
            description="A visiting scholar improves articles with the library's sources.",
        ),
        classroom(
            "Lakeside Community College",
            "Introduction to Sociology",
            "Next Term",
            course_id=70201,
            state="future",
            student_count=0,
            days=(35, 125, 35, 125),
            subject="Sociology",
        ),
    ]


def build_wikiedu_dataset(now: datetime | None = None) -> Dataset:
    """The Wiki Education world for ``now`` (default: the current time; naive means UTC)."""
    now = _utc(now or datetime.now(UTC))
    builder = _Builder(
        now,
        load_sample("course.json"),
        load_sample("users.json")["course"]["users"][0],
        base_url=BASE_URL,
        string_prefix="courses",
        first_user_id=810001,
        first_global_id=92000001,
        global_ids=_outreach_global_ids(),
        instructor_block_for_role_1_only=True,
    )
    campaigns = _campaigns()
    specs = _specs(campaigns)
    for spec in specs:
        builder.add_course(spec)

    enrollments: list[tuple[str, str, int, int, str | None, dict[str, Any]]] = [
        # (slug, username, role, enrolled days after course start, role_description, extra)
        (SLUG_CLASSROOM, INSTRUCTOR, 1, -30, None, {}),
        (SLUG_CLASSROOM, STUDENT, 0, 2, None, {}),
        (SLUG_CLASSROOM, CLASSMATE, 0, 3, None, {}),
        (SLUG_CLASSROOM, ZOE, 0, 5, None, {}),
        (SLUG_CLASSROOM, STAFFER, 4, 10, "Wikipedia Expert", _CONTENT_EXPERT_ROW),
        (SLUG_PRIVATE, INSTRUCTOR, 1, -28, None, {}),
        (SLUG_PRIVATE, STUDENT, 0, 1, None, {}),
        (SLUG_ENDED, INSTRUCTOR, 1, -30, None, {}),
        (SLUG_ENDED, PAST_STUDENT, 0, 2, None, {}),
        (SLUG_SCHOLARS, SPONSOR, 1, -10, "Library liaison", {}),
        (SLUG_SCHOLARS, MARC, 0, 0, "Visiting Scholar", {}),
        (SLUG_SUBMITTED, NEW_INSTRUCTOR, 1, -20, None, {}),
    ]
    # ListCourseManager#handle_post: approving a classroom course (adding it to its first
    # campaign) adds the program manager with role 4, two weeks before the term here.
    approved = {slug for slugs in campaigns.values() for slug in slugs}
    enrollments += [
        (spec.slug, PROGRAM_MANAGER, 4, -14, None, _PROGRAM_MANAGER_ROW)
        for spec in specs
        if spec.course_type == _CLASSROOM and spec.slug in approved
    ]
    enrollments.sort(key=lambda item: item[3])  # rows in the order they were created
    for slug, username, role, days, description, extra in enrollments:
        builder.enroll(slug, username, role, days, description, extra)

    builder.add_users(load_sample("user_stats.json"))
    builder.dataset.campaigns = campaigns
    return builder.dataset


@functools.lru_cache(maxsize=1)
def _outreach_global_ids() -> dict[str, int]:
    """username -> global_id on the Outreach Dashboard (the ids do not depend on dates)."""
    world = build_dataset(datetime(2026, 1, 1, tzinfo=UTC))
    return {
        row["username"]: row["global_id"]
        for roster in world.rosters.values()
        for row in roster["course"]["users"]
    }
