"""The rules of the impostor check: the Dashboard's collation, verdicts, which roster."""

from __future__ import annotations

import pytest

from outreach_helper.domain.identity import (
    MAX_ROSTERS_TO_CONFIRM,
    Verdict,
    collation_key,
    confirmation_order,
    roster_verdict,
    uploads_verdict,
)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("PegCult", "Pegcult"),  # case after the first letter
        ("Zoë Müller", "Zoe Muller"),  # accents
        ("Zoë Müller", "ZOË MÜLLER"),
        ("Élodie", "elodie"),
        ("Straße", "Strasse"),  # ß folds to ss
        ("ﬁsh", "fish"),  # compatibility ligature
        ("Soft\u00adhyphen", "Softhyphen"),  # ignorable format character
        ("Trailing", "Trailing  "),  # PAD SPACE
        ("Zoë", "Zoe\u0308"),  # composed and decomposed
    ],
)
def test_names_the_dashboard_takes_for_one(a: str, b: str) -> None:
    assert collation_key(a) == collation_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [("Ann Bob", "Ann_Bob"), ("Ann+Bob", "Ann Bob"), ("O'Brien", "OBrien"), ("Ada", "Adam")],
)
def test_names_the_dashboard_tells_apart(a: str, b: str) -> None:
    assert collation_key(a) != collation_key(b)


@pytest.mark.parametrize(
    ("uploaders", "expected"),
    [
        ([], Verdict.UNDECIDED),
        (["PegCult"], Verdict.CONFIRMED),
        (["Pegcult"], Verdict.MISMATCH),
        (["Someone Else"], Verdict.MISMATCH),  # the uploads are the found user's: not ours
        ([None, 5, "bad#name"], Verdict.UNDECIDED),
        (["PegCult_"], Verdict.CONFIRMED),  # normalised like any username
    ],
)
def test_uploads_verdict(uploaders: list[object], expected: Verdict) -> None:
    assert uploads_verdict("PegCult", uploaders) is expected


@pytest.mark.parametrize(
    ("username", "roster", "expected"),
    [
        ("PegCult", ["Ada", "PegCult"], Verdict.CONFIRMED),
        ("Pegcult", ["Ada", "PegCult"], Verdict.MISMATCH),
        ("Zoe Muller", ["Zoë Müller"], Verdict.MISMATCH),
        ("Zoë Müller", ["Zoë Müller"], Verdict.CONFIRMED),
        ("Zoë Müller", ["Zoë_Müller"], Verdict.CONFIRMED),
        ("Newcomer", ["Ada", "PegCult"], Verdict.UNDECIDED),  # e.g. a roster older than them
        ("Anyone", [], Verdict.UNDECIDED),
        ("Anyone", [None, 3], Verdict.UNDECIDED),
    ],
)
def test_roster_verdict(username: str, roster: list[object], expected: Verdict) -> None:
    assert roster_verdict(username, roster) is expected


def enrolment(slug: str, user_count: object) -> dict[str, object]:
    return {"course_slug": slug, "user_count": user_count}


def test_cached_rosters_first_then_the_smallest_courses() -> None:
    rows = [enrolment("Big", 6440), enrolment("Small", 3), enrolment("Mid", 42)]
    assert confirmation_order(rows) == ["Small", "Mid", "Big"]
    assert confirmation_order(rows, cached={"Big"}) == ["Big", "Small", "Mid"]


def test_order_keeps_enrolment_order_on_ties_and_unknown_sizes_last() -> None:
    rows = [enrolment("A", None), enrolment("B", 5), enrolment("C", 5), enrolment("D", "x")]
    assert confirmation_order(rows) == ["B", "C", "A"]


def test_order_is_per_course_and_bounded() -> None:
    rows = [enrolment(f"S{n}", n) for n in range(10)] + [enrolment("S0", 0), enrolment("", 1)]
    order = confirmation_order(rows)
    assert order == ["S0", "S1", "S2"] and len(order) == MAX_ROSTERS_TO_CONFIRM
