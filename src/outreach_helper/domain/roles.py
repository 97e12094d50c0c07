"""Course roles: the upstream's integer codes and its English display labels.

``user_stats.json`` only gives a translated label, ``users.json`` gives the code; both
must agree on who is course staff (any role >= 1). The labels come in two wordings:
``users.role.*`` in config/locales/en.yml (Student, Instructor, Campus Volunteer, Online
Volunteer, Wiki Education Staff), which user_stats.json sends on every instance
(``course_role_name``, app/helpers/users_helper.rb), and the Outreach Dashboard's own,
``CoursesUsers::ROLE_NAMES`` (app/models/course_data/courses_users.rb: "Editor" for 0,
"Facilitator" for 1). Both are recognised; every route names roles one way, the
``users.role.*`` one, so a user's ``user_role`` and a roster's ``role_name`` agree.

The Dashboard itself names roles 0 and 1 in the words of the course's ``string_prefix``
(config/locales/en.yml): ``courses`` (Wiki Education's classroom courses: Student,
Instructor, Course) or ``courses_generic`` (BasicCourse, Editathon and the other types:
Editor, Facilitator, Program); roles 2 to 4 have one name everywhere. ``role_name(code,
prefix)`` gives those words, which the answers' ``role_name`` fields use.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "CAMPUS_VOLUNTEER",
    "INSTRUCTOR",
    "ONLINE_VOLUNTEER",
    "STUDENT",
    "WIKI_ED_STAFF",
    "is_staff",
    "role_code",
    "role_name",
    "canonical_label",
    "CLASSROOM",
    "GENERIC",
    "known_prefix",
    "summarize_roles",
]

STUDENT = 0
INSTRUCTOR = 1
CAMPUS_VOLUNTEER = 2
ONLINE_VOLUNTEER = 3
WIKI_ED_STAFF = 4

_CODES_BY_LABEL: dict[str, int] = {
    "student": STUDENT,
    "editor": STUDENT,  # CoursesUsers::ROLE_NAMES
    "participant": STUDENT,
    "instructor": INSTRUCTOR,
    "facilitator": INSTRUCTOR,  # CoursesUsers::ROLE_NAMES
    "campus volunteer": CAMPUS_VOLUNTEER,
    "online volunteer": ONLINE_VOLUNTEER,
    "wiki education staff": WIKI_ED_STAFF,
    "staff": WIKI_ED_STAFF,
}

# users.role.* in English: what user_stats.json says, and so what every route says.
_NAMES_BY_CODE: dict[int, str] = {
    STUDENT: "Student",
    INSTRUCTOR: "Instructor",
    CAMPUS_VOLUNTEER: "Campus Volunteer",
    ONLINE_VOLUNTEER: "Online Volunteer",
    WIKI_ED_STAFF: "Wiki Education Staff",
}


# The two `string_prefix` values of the Dashboard's course types.
CLASSROOM = "courses"  # ClassroomProgramCourse, LegacyCourse
GENERIC = "courses_generic"  # BasicCourse, Editathon, FellowsCohort, VisitingScholarship, ...

# courses_generic.student / .instructor (en.yml), CoursesUsers::ROLE_NAMES: the same words.
_GENERIC_NAMES: dict[int, str] = {STUDENT: "Editor", INSTRUCTOR: "Facilitator"}


def known_prefix(prefix: object, default: str) -> str:
    """A course's `string_prefix` when it is one of the two, else `default` (the
    dashboard's own: Features.default_course_string_prefix)."""
    return prefix if prefix in (CLASSROOM, GENERIC) else default  # type: ignore[return-value]


def role_code(label: str | None) -> int:
    """Map an upstream role label to its code.

    Upstream says anything but the student label is a staff role, so an unknown
    non-empty label counts as INSTRUCTOR; a missing or blank label (or a non-string)
    counts as STUDENT, so that missing data never makes someone a facilitator.
    """
    if not isinstance(label, str):
        return STUDENT
    key = " ".join(label.split()).casefold()
    if not key:
        return STUDENT
    return _CODES_BY_LABEL.get(key, INSTRUCTOR)


def role_name(code: int, prefix: str = CLASSROOM) -> str:
    """The display name of a role code in the words of a course's `string_prefix`
    (`courses` by default: users.role.*); unknown staff codes are "Staff"."""
    if prefix == GENERIC and code in _GENERIC_NAMES:
        return _GENERIC_NAMES[code]
    name = _NAMES_BY_CODE.get(code)
    if name is not None:
        return name
    return "Staff" if code >= 1 else "Student"


def canonical_label(label: str | None) -> str | None:
    """A known label in either wording as the one name of its role ("Facilitator" ->
    "Instructor", "Editor" -> "Student"); an unknown one (say, another language) as sent."""
    if not isinstance(label, str):
        return label
    key = " ".join(label.split()).casefold()
    return role_name(_CODES_BY_LABEL[key]) if key in _CODES_BY_LABEL else label


def is_staff(code: int) -> bool:
    """Course staff is every role above student."""
    return code >= 1


def summarize_roles(labels: Iterable[str | None]) -> tuple[bool, bool]:
    """Return (is_instructor, is_student) for all of a user's enrollment labels.

    A user can hold both at once (enrolled twice in one course, or in several courses).
    """
    is_instructor = False
    is_student = False
    for label in labels:
        if is_staff(role_code(label)):
            is_instructor = True
        else:
            is_student = True
    return is_instructor, is_student
