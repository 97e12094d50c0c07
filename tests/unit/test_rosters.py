from typing import Any

import pytest

from outreach_helper.domain.rosters import (
    dedupe_roster,
    person_key,
    split_roster,
    staff_usernames,
)


def row(username: Any, role: Any, enrolled_at: Any = None, **extra: Any) -> dict[str, Any]:
    return {"username": username, "role": role, "enrolled_at": enrolled_at, **extra}


# The rows of /work/shared/samples/users.json that matter here, abridged.
SAMPLE = [
    row("Ada Example", 1, "2025-10-20T09:12:44.000Z", n=700001, total_uploads=1),
    row("Ada Example", 0, "2025-10-21T08:00:00.000Z", n=700002, total_uploads=2),
    row("Chidi Sample", 2, "2025-10-22T12:30:00.000Z", n=700003, total_uploads=0),
    row("Zoë Müller", 0, "2025-11-15T09:01:00.000Z", n=700004, total_uploads=1),
    row("O'Brien Test", 0, "2025-11-15T09:03:00.000Z", n=700005, total_uploads=0),
    row("Ngozi Placeholder", 0, "2025-11-15T09:07:00.000Z", n=700006, total_uploads=0),
]


def test_sample_roster_keeps_highest_role_even_if_older() -> None:
    deduped = dedupe_roster(SAMPLE)
    assert [(r["username"], r["role"], r["n"]) for r in deduped] == [
        ("Ada Example", 1, 700001),
        ("Chidi Sample", 2, 700003),
        ("Ngozi Placeholder", 0, 700006),
        ("O'Brien Test", 0, 700005),
        ("Zoë Müller", 0, 700004),
    ]
    assert deduped[0] == {
        "username": "Ada Example",
        "role": 1,
        "enrolled_at": "2025-10-20T09:12:44.000Z",
        "n": 700001,
        "total_uploads": 1,
    }


def test_sample_roster_split_and_staff() -> None:
    facilitators, participants = split_roster(dedupe_roster(SAMPLE))
    assert [r["username"] for r in facilitators] == ["Ada Example", "Chidi Sample"]
    assert [r["username"] for r in participants] == [
        "Ngozi Placeholder",
        "O'Brien Test",
        "Zoë Müller",
    ]
    assert staff_usernames(dedupe_roster(SAMPLE)) == ["Ada Example", "Chidi Sample"]


def test_dedupe_does_not_mutate_input_and_returns_new_dicts() -> None:
    rows = [row("ada_Example", "1", None, extra={"nested": True}), row("Bob", 0)]
    snapshot = [dict(r) for r in rows]
    deduped = dedupe_roster(rows)
    assert rows == snapshot
    assert all(out is not original for out in deduped for original in rows)
    deduped[0]["role"] = 99
    assert rows[0]["role"] == "1"


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        # Same role: latest enrolled_at wins.
        (
            [row("A", 0, "2025-01-01T00:00:00Z", n=1), row("A", 0, "2025-02-01T00:00:00Z", n=2)],
            [("A", 0, 2)],
        ),
        (
            [row("A", 0, "2025-02-01T00:00:00Z", n=1), row("A", 0, "2025-01-01T00:00:00Z", n=2)],
            [("A", 0, 1)],
        ),
        # Offsets are compared as instants, not as text.
        (
            [
                row("A", 1, "2025-01-01T10:00:00+02:00", n=1),  # 08:00 UTC
                row("A", 1, "2025-01-01T09:00:00Z", n=2),
            ],
            [("A", 1, 2)],
        ),
        # Missing or unparsable enrolled_at sorts earliest.
        ([row("A", 1, None, n=1), row("A", 1, "2025-01-01", n=2)], [("A", 1, 2)]),
        ([row("A", 1, "2025-01-01", n=1), row("A", 1, "garbage", n=2)], [("A", 1, 1)]),
        # A full tie keeps the first row seen.
        ([row("A", 3, None, n=1), row("A", 3, None, n=2)], [("A", 3, 1)]),
        # Highest role wins over a later enrollment.
        (
            [row("A", 4, "2020-01-01", n=1), row("A", 2, "2025-01-01", n=2)],
            [("A", 4, 1)],
        ),
        # Numeric strings are roles; anything else is 0.
        ([row("A", "2", None, n=1), row("A", 1, None, n=2)], [("A", 2, 1)]),
        ([row("A", " 3 ", None, n=1)], [("A", 3, 1)]),
        ([row("A", "staff", "2025-02-01", n=1), row("A", 0, "2025-01-01", n=2)], [("A", 0, 1)]),
        ([row("A", None, None, n=1)], [("A", 0, 1)]),
        ([row("A", 1.0, None, n=1)], [("A", 0, 1)]),
        ([row("A", True, None, n=1)], [("A", 0, 1)]),
        # Usernames are compared after MediaWiki normalisation.
        (
            [row("ada_Example", 0, "2025-03-01", n=1), row("Ada Example ", 1, None, n=2)],
            [("Ada Example", 1, 2)],
        ),
        (
            [row("zoë_Müller", 0, "2025-03-01", n=1), row("Zoë Müller", 0, "2025-01-01", n=2)],
            [("Zoë Müller", 0, 1)],
        ),
        # ... but the rest of the name stays case-sensitive.
        (
            [row("McDonald", 0, n=1), row("Mcdonald", 0, n=2)],
            [("McDonald", 0, 1), ("Mcdonald", 0, 2)],
        ),
        # Invalid usernames fall back to the raw string.
        ([row("Bad#Name", 0, n=1), row("Bad#Name", 1, n=2)], [("Bad#Name", 1, 2)]),
        ([row("bad#name", 0, n=1)], [("bad#name", 0, 1)]),
        # Missing or empty usernames are dropped.
        ([row("", 1, n=1), row("   ", 1, n=2), row(None, 1, n=3), row(5, 1, n=4)], []),
        ([{"role": 1, "n": 1}], []),
        ([], []),
    ],
)
def test_dedupe_roster(rows: list[dict[str, Any]], expected: list[tuple[str, int, int]]) -> None:
    """`n` marks which row won; these rows carry no user ids, so usernames decide."""
    assert [(r["username"], r["role"], r["n"]) for r in dedupe_roster(rows)] == expected


def test_rows_of_one_user_id_are_one_person() -> None:
    """Duplicate rows carry the user's own `id` (courses/_users.json.jbuilder)."""
    rows = [
        row("Ada Example", 1, "2025-01-01", id=7, n=1),
        row("Ada Example", 0, "2025-02-01", id=7, n=2),
        row("Other", 0, None, id=8, n=3),
    ]
    assert [(r["username"], r["role"], r["n"]) for r in dedupe_roster(rows)] == [
        ("Ada Example", 1, 1),
        ("Other", 0, 3),
    ]


def test_different_user_ids_stay_apart_even_with_one_normalised_name() -> None:
    """Two Dashboard accounts (`Ada_Example` and `Ada Example` are distinct strings
    there) are two persons, though MediaWiki would read both as one name."""
    rows = [row("Ada_Example", 0, None, id=7, n=1), row("Ada Example", 1, None, id=9, n=2)]
    assert [(r["role"], r["n"]) for r in dedupe_roster(rows)] == [(0, 1), (1, 2)]


def test_global_id_is_used_when_there_is_no_id() -> None:
    rows = [
        row("A", 0, "2025-01-01", global_id=5, n=1),
        row("A", 2, "2024-01-01", global_id=5, n=2),
        row("A", 1, None, global_id=6, n=3),
    ]
    assert [(r["role"], r["n"]) for r in dedupe_roster(rows)] == [(2, 2), (1, 3)]


def test_person_key_prefers_id_then_global_id_then_username() -> None:
    assert person_key({"id": 3, "global_id": 4}, "A") == ("id", 3)
    assert person_key({"id": None, "global_id": 4}, "A") == ("global_id", 4)
    assert person_key({"id": True, "global_id": "4"}, "A") == ("username", "A")


def test_dedupe_sorts_casefolded_then_exact() -> None:
    rows = [
        row("bob", 0),
        row("Émile", 0),
        row("alice", 0),
        row("Zoë", 0),
        row("ßtraße", 0),  # stays lower-case: 'ß'.upper() is two characters
        row("O'Brien", 0),
        row("Bob", 0),
        row("aDA", 0),
    ]
    assert [r["username"] for r in dedupe_roster(rows)] == [
        "ADA",
        "Alice",
        "Bob",
        "O'Brien",
        "ßtraße",  # casefolds to "sstraße"
        "Zoë",
        "Émile",  # non-ASCII sorts after ASCII: plain code-point order
    ]


def test_dedupe_accepts_any_iterable_of_mappings() -> None:
    from types import MappingProxyType

    rows = (MappingProxyType(r) for r in [row("A", 1, n=1), row("B", 0, n=2)])
    assert dedupe_roster(rows) == [
        {"username": "A", "role": 1, "enrolled_at": None, "n": 1},
        {"username": "B", "role": 0, "enrolled_at": None, "n": 2},
    ]


def test_split_roster_preserves_order() -> None:
    rows = [row("Z", 0), row("Y", 2), row("X", 0), row("W", 1), row("V", 4)]
    facilitators, participants = split_roster(rows)
    assert [r["username"] for r in facilitators] == ["Y", "W", "V"]
    assert [r["username"] for r in participants] == ["Z", "X"]


def test_split_roster_empty() -> None:
    assert split_roster([]) == ([], [])


def test_split_roster_tolerates_odd_roles() -> None:
    facilitators, participants = split_roster([row("A", "1"), row("B", None), row("C", -1)])
    assert [r["username"] for r in facilitators] == ["A"]
    assert [r["username"] for r in participants] == ["B", "C"]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([], []),
        ([row("A", 0)], []),
        ([row("b", 1), row("a", 2), row("C", 4), row("d", 0)], ["A", "B", "C"]),
        ([row("Ada Example", 1), row("Ada_Example", 3)], ["Ada Example"]),
        ([row("bob", 1), row("Bob", 1), row("", 1), row(None, 2)], ["Bob"]),
        ([row("O'Brien Test", "2"), row("zoë", "x")], ["O'Brien Test"]),
        ([row("Mcdonald", 1), row("McDonald", 1)], ["McDonald", "Mcdonald"]),
    ],
)
def test_staff_usernames(rows: list[dict[str, Any]], expected: list[str]) -> None:
    assert staff_usernames(rows) == expected
