"""Upstream paths: caller input can never change which path is requested."""

from __future__ import annotations

import pytest

from outreach_helper.dashboard.urls import course_path, encode_segment


@pytest.mark.parametrize(
    ("segment", "encoded"),
    [
        ("Wikidata_Days_2025_(November)", "Wikidata_Days_2025_%28November%29"),
        ("Bibliothèque_d'Exemple", "Biblioth%C3%A8que_d%27Exemple"),
        ("Art+Feminism_&_Co", "Art%2BFeminism_%26_Co"),
        ("a/b", "a%2Fb"),
        ("x?y=1#z", "x%3Fy%3D1%23z"),
        ("100%", "100%25"),
        ("..", "%2E%2E"),
        (".", "%2E"),
    ],
)
def test_encode_segment(segment: str, encoded: str) -> None:
    assert encode_segment(segment) == encoded


def test_course_path() -> None:
    assert course_path("S,_T", "A_(B)", "users.json") == "/courses/S%2C_T/A_%28B%29/users.json"


def test_course_path_only_builds_known_documents() -> None:
    with pytest.raises(ValueError, match="unknown course document"):
        course_path("S", "T", "../admin")
