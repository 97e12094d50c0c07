"""Upstream paths: caller input can never change which path is requested."""

from __future__ import annotations

from urllib.parse import quote_plus

import pytest

from outreach_helper.dashboard.urls import course_path, encode_segment, user_stats_query
from outreach_helper.demo.rails import read_username


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


# --- the username of user_stats.json: decoded twice by the Dashboard ---------------------

MEDIAWIKI_NAMES = [
    "Ann+Bob", "100% Wiki", "A&B=C?", "O'Brien", "Zoë Müller", 'Say "Hi"', "a/b",
    "x%41y", "Plus + Space", "~tilde*star", "Semi;colon,comma", "Dollar$@!", "日本語ユーザー",
    "Emoji 🙂", "Back\\slash", "Tab-less:colon", "Ann Bob",
]  # fmt: skip


def test_user_stats_query_escapes_twice() -> None:
    assert user_stats_query("Ann+Bob") == "username=Ann%252BBob"
    assert user_stats_query("Ann Bob") == "username=Ann%2BBob"
    assert user_stats_query("100% Wiki") == "username=100%2525%2BWiki"


@pytest.mark.parametrize("name", MEDIAWIKI_NAMES)
def test_every_mediawiki_name_survives_both_decodings(name: str) -> None:
    """Rack's query parsing, then `CGI.unescape(...).tr('_', ' ')` (set_user), modelled in
    `demo/rails.py`: the name the Dashboard looks up is the name sent."""
    query = user_stats_query(name)
    assert read_username(query) == name
    value = query.removeprefix("username=")
    assert all(char not in value for char in "&=?#/+ ")  # one parameter, one value


@pytest.mark.parametrize("name", ["Ann+Bob", "100%41 Wiki", "x%41y", "Ann Bob"])
def test_escaping_once_would_reach_another_name(name: str) -> None:
    """Why twice: escaped once (as httpx's `params=` does), these arrive changed (a
    plain space survives, which is why the bug went unnoticed)."""
    once = "username=" + quote_plus(name)
    assert (read_username(once) == name) is (name == "Ann Bob")
