"""The demo wiki's stand-in for MediaWiki's page variables."""

from __future__ import annotations

import pytest

from outreach_helper.demo.wiki import (
    NS_MAIN,
    NS_SPECIAL,
    NS_USER,
    NS_USER_TALK,
    parse_title,
    user_language,
)


@pytest.mark.parametrize(
    ("raw", "title", "namespace", "special", "user"),
    [
        ("User:Ada_Example", "User:Ada Example", NS_USER, None, "Ada Example"),
        ("user:ada_Example", "User:Ada Example", NS_USER, None, "Ada Example"),
        ("User_talk:Élodie_Martin", "User talk:Élodie Martin", NS_USER_TALK, None,
         "Élodie Martin"),
        ("User:Ada_Example/Sandbox/Deep", "User:Ada Example/Sandbox/Deep", NS_USER, None,
         "Ada Example"),
        ("Special:Contributions/O'Brien_Test", "Special:Contributions/O'Brien Test", NS_SPECIAL,
         "Contributions", "O'Brien Test"),
        ("Special:deletedcontributions/Zoë", "Special:DeletedContributions/Zoë", NS_SPECIAL,
         "DeletedContributions", "Zoë"),
        ("Special:Block/Ada", "Special:Block/Ada", NS_SPECIAL, "Block", "Ada"),
        ("Special:Contributions", "Special:Contributions", NS_SPECIAL, "Contributions", None),
        ("Special:RecentChanges", "Special:RecentChanges", NS_SPECIAL, "RecentChanges", None),
        ("Lagos", "Lagos", NS_MAIN, None, None),
        ("Talk:Lagos", "Talk:Lagos", NS_MAIN, None, None),  # not modelled: an article here
        ("", "Main Page", NS_MAIN, None, None),
    ],
)  # fmt: skip
def test_titles_are_read_as_mediawiki_does(
    raw: str, title: str, namespace: int, special: str | None, user: str | None
) -> None:
    page = parse_title(raw)
    assert (page.title, page.namespace, page.special_page, page.relevant_user) == (
        title, namespace, special, user
    )  # fmt: skip


def test_config_has_what_the_gadget_reads() -> None:
    config = parse_title("User_talk:Ada_Example/Archive").config("de", "/wiki/$1")
    assert config["wgRelevantUserName"] == "Ada Example"
    assert config["wgNamespaceNumber"] == NS_USER_TALK
    assert config["wgCanonicalSpecialPageName"] is False
    assert config["wgUserLanguage"] == "de"
    assert config["wgPageName"] == "User_talk:Ada_Example/Archive"
    assert config["wgArticlePath"] == "/wiki/$1"


def test_no_relevant_user_leaves_the_variable_out() -> None:
    assert "wgRelevantUserName" not in parse_title("Lagos").config("en", "/wiki/$1")


@pytest.mark.parametrize(
    ("requested", "language"),
    [(None, "en"), ("de", "de"), ("be-tarask", "be-tarask"), ("PT-BR", "pt-br"),
     ("x", "en"), ("en<script>", "en"), ("", "en")],
)  # fmt: skip
def test_uselang(requested: str | None, language: str) -> None:
    assert user_language(requested) == language
