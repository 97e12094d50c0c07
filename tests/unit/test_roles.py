import pytest

from outreach_helper.domain import roles
from outreach_helper.domain.roles import (
    CAMPUS_VOLUNTEER,
    CLASSROOM,
    GENERIC,
    INSTRUCTOR,
    ONLINE_VOLUNTEER,
    STUDENT,
    WIKI_ED_STAFF,
    canonical_label,
    is_staff,
    known_prefix,
    role_code,
    role_name,
    summarize_roles,
)


def test_constants() -> None:
    assert (STUDENT, INSTRUCTOR, CAMPUS_VOLUNTEER, ONLINE_VOLUNTEER, WIKI_ED_STAFF) == (
        0,
        1,
        2,
        3,
        4,
    )
    assert roles.INSTRUCTOR == 1


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Student", 0),
        ("student", 0),
        ("STUDENT", 0),
        ("  Student  ", 0),
        ("Participant", 0),
        # The Outreach Dashboard's wording (CoursesUsers::ROLE_NAMES).
        ("Editor", 0),
        ("editor", 0),
        ("Instructor", 1),
        ("Facilitator", 1),
        ("facilitator ", 1),
        ("Campus Volunteer", 2),
        ("campus  volunteer", 2),
        ("Online Volunteer", 3),
        ("ONLINE VOLUNTEER", 3),
        ("Wiki Education Staff", 4),
        ("Staff", 4),
        ("staff", 4),
        # Unknown non-empty labels (e.g. another locale) are staff.
        ("Étudiant", 1),
        ("Content Expert", 1),
        ("Studentin", 1),
        # Missing labels must never make someone a facilitator.
        (None, 0),
        ("", 0),
        ("   ", 0),
        ("\t\n", 0),
    ],
)
def test_role_code(label: str | None, expected: int) -> None:
    assert role_code(label) == expected


@pytest.mark.parametrize("label", [0, 1, 4, ["Instructor"]])
def test_role_code_non_text_is_student(label: object) -> None:
    assert role_code(label) == STUDENT  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (0, "Student"),
        (1, "Instructor"),
        (2, "Campus Volunteer"),
        (3, "Online Volunteer"),
        (4, "Wiki Education Staff"),
        (5, "Staff"),
        (99, "Staff"),
        (-1, "Student"),
        (-100, "Student"),
    ],
)
def test_role_name(code: int, expected: str) -> None:
    assert role_name(code) == expected
    assert role_name(code, CLASSROOM) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (0, "Editor"),
        (1, "Facilitator"),
        # Roles 2 to 4 have one name on every course type (CoursesUsers::ROLE_NAMES).
        (2, "Campus Volunteer"),
        (3, "Online Volunteer"),
        (4, "Wiki Education Staff"),
        (7, "Staff"),
        (-1, "Student"),
    ],
)
def test_role_name_in_generic_words(code: int, expected: str) -> None:
    assert role_name(code, GENERIC) == expected


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [("courses", "courses"), ("courses_generic", "courses_generic"), (None, "courses"),
     ("articles", "courses"), (3, "courses"), ("", "courses")],
)  # fmt: skip
def test_known_prefix_falls_back_to_the_dashboards_own(prefix: object, expected: str) -> None:
    assert known_prefix(prefix, CLASSROOM) == expected
    assert known_prefix(prefix, GENERIC) == (
        expected if prefix in (CLASSROOM, GENERIC) else GENERIC
    )


@pytest.mark.parametrize(
    ("code", "expected"),
    [(-1, False), (0, False), (1, True), (2, True), (3, True), (4, True), (7, True)],
)
def test_is_staff(code: int, expected: bool) -> None:
    assert is_staff(code) is expected


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        ([], (False, False)),
        (["Student"], (False, True)),
        (["Instructor"], (True, False)),
        (["Facilitator", "Student"], (True, True)),
        (["Campus Volunteer", "Online Volunteer"], (True, False)),
        ([None], (False, True)),
        (["", "  "], (False, True)),
        (["Unknown Role"], (True, False)),
        (["participant", "wiki education staff"], (True, True)),
    ],
)
def test_summarize_roles(labels: list[str | None], expected: tuple[bool, bool]) -> None:
    assert summarize_roles(labels) == expected


def test_summarize_roles_accepts_any_iterable() -> None:
    assert summarize_roles(label for label in ("Student", "Staff")) == (True, True)


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Student", "Student"),
        ("Editor", "Student"),
        ("Instructor", "Instructor"),
        ("Facilitator", "Instructor"),
        (" facilitator ", "Instructor"),
        ("Campus Volunteer", "Campus Volunteer"),
        ("Wiki Education Staff", "Wiki Education Staff"),
        ("Étudiant", "Étudiant"),  # not known: as sent
        ("", ""),
        (None, None),
    ],
)
def test_canonical_label_names_each_role_one_way(label: str | None, expected: str | None) -> None:
    assert canonical_label(label) == expected


def test_editor_is_not_counted_as_staff() -> None:
    """Before "Editor" was known, an unknown label counted as staff: an Outreach
    participant would have been an instructor."""
    assert summarize_roles(["Editor"]) == (False, True)
