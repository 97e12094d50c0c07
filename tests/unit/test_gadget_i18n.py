"""Every message file of the gadget (src/outreach_helper/gadget/i18n/): valid JSON of strings,
named by a MediaWiki language code; `qqq.json` documents every key of `en.json`, and the
script's English defaults are `en.json`; each translation has every key, or deliberately
does without it (the key is `{{notranslate}}` or `{{Optional}}` in `qqq.json`, or a file of
a language in its MediaWiki fallback chain has it), the same `$1`... as the English and
balanced `{{PLURAL:}}`/`{{GENDER:}}`.

Language codes, fallback chains and directions are read from Debian's MediaWiki 1.39
(`scripts/test` installs it), the same data the gadget's `mw.language` gets on a wiki.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from outreach_helper import gadget

MEDIAWIKI = Path("/usr/share/mediawiki")
METADATA = "@metadata"
MAGIC = {"PLURAL", "GENDER"}
ENGLISH = gadget.messages("en")
DOCS = gadget.messages("qqq")
KEYS = [key for key in ENGLISH if key != METADATA]


def mediawiki_file(path: str) -> str:
    file = MEDIAWIKI / path
    if not file.exists():
        pytest.fail(f"{file} is missing: scripts/test installs Debian's mediawiki package")
    return file.read_text(encoding="utf-8")


def language_names() -> set[str]:
    return set(
        re.findall(
            r"^\t\t'([a-z0-9-]+)' =>", mediawiki_file("includes/languages/data/Names.php"), re.M
        )
    )


def messages_php(code: str) -> str:
    name = code[:1].upper() + code[1:].replace("-", "_")
    path = MEDIAWIKI / "languages" / "messages" / f"Messages{name}.php"
    return path.read_text(encoding="utf-8") if path.exists() else ""


def fallbacks(code: str) -> list[str]:
    """MediaWiki's fallback chain of a language (without the language itself), then en."""
    chain: list[str] = []
    todo = [code]
    while todo:
        found = re.search(r"^\$fallback = '([^']*)';", messages_php(todo.pop(0)), re.M)
        for item in found.group(1).split(",") if found else []:
            item = item.strip()
            if item and item not in chain and item != code:
                chain.append(item)
                todo.append(item)
    return [*chain, "en"] if "en" not in chain else chain


def right_to_left(code: str) -> bool:
    return re.search(r"^\$rtl = true;", messages_php(code), re.M) is not None


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"\$\d+", text))


def syntax_problems(text: str, english: str) -> list[str]:
    """What is wrong with a message against its English: what the gadget also rejects
    (placeholders, unbalanced braces) and what jqueryMsg would show as code."""
    problems = []
    if not isinstance(text, str) or not text.strip():
        return ["empty or not a string"]
    if placeholders(text) != placeholders(english):
        problems.append(
            f"placeholders {sorted(placeholders(text))}, English {sorted(placeholders(english))}"
        )
    depth = 0
    for token in re.findall(r"\{\{|\}\}", text):
        depth += 1 if token == "{{" else -1
        if depth < 0:
            break
    if depth != 0:
        problems.append("unbalanced {{ }}")
    magic = set(re.findall(r"\{\{\s*([^:|{}]+?)\s*[:|]", text))
    if not magic <= MAGIC | set(re.findall(r"\{\{\s*([^:|{}]+?)\s*[:|]", english)):
        problems.append(f"unknown {{{{...}}}}: {sorted(magic - MAGIC)}")
    for kind, param in re.findall(r"\{\{\s*(PLURAL|GENDER)\s*:\s*([^|}]*)", text):
        if not re.fullmatch(r"\$\d+", param.strip()):
            problems.append(f"{kind} of {param!r}, not of a $N parameter")
        elif f"{{{{{kind}:{param.strip()}" not in english.replace(" ", "") and kind == "GENDER":
            problems.append(f"GENDER of {param.strip()}, which the English does not use for gender")
    return problems


def deliberately_missing(key: str) -> bool:
    return re.match(r"\{\{(notranslate|optional)\}\}", str(DOCS.get(key, "")), re.I) is not None


def test_every_file_is_json_of_strings_named_by_a_mediawiki_code() -> None:
    names = language_names() | {"qqq"}
    for code in gadget.languages():
        data = json.loads(gadget.read_messages(code))  # valid JSON, else this raises
        assert code in names, f"{code}.json: not a MediaWiki language code"
        assert isinstance(data, dict)
        for key, value in data.items():
            if key == METADATA:
                assert isinstance(value, dict)
                continue
            assert key.startswith("outreach-helper-"), f"{code}.json: {key}"
            assert isinstance(value, str), f"{code}.json: {key} is not a string"


def test_qqq_documents_every_message_and_only_those() -> None:
    assert [key for key in DOCS if key != METADATA] == KEYS
    for key in KEYS:
        assert len(DOCS[key]) > 20, f"qqq.json: {key} says too little"
        for number in placeholders(ENGLISH[key]):
            assert f"{number} –" in DOCS[key] or f"{number} -" in DOCS[key], (
                f"qqq.json: {key} does not explain {number}"
            )


def test_the_scripts_english_defaults_are_en_json() -> None:
    source = gadget.read("outreach-helper.js").decode("utf-8")
    block = source[
        source.index("\tvar MESSAGES = {") : source.index(
            "\n\t};\n", source.index("\tvar MESSAGES = {")
        )
    ]
    pairs = re.findall(r"^\t\t'(outreach-helper-[a-z-]+)': '((?:[^'\\]|\\.)*)'", block, re.M)
    script = {key: value.replace("\\'", "'").replace("\\\\", "\\") for key, value in pairs}
    assert script == {key: ENGLISH[key] for key in KEYS}


@pytest.mark.parametrize("code", gadget.translations())
def test_each_translation(code: str) -> None:
    data = gadget.messages(code)
    extra = set(data) - set(ENGLISH)
    assert not extra, f"{code}.json: keys that are not in en.json: {sorted(extra)}"
    chain = [c for c in fallbacks(code) if c in gadget.languages() and c != "en"]
    same: list[str] = []
    for key in KEYS:
        if key not in data:
            covered = any(key in gadget.messages(other) for other in chain)
            assert covered or deliberately_missing(key), (
                f"{code}.json: {key} is missing, and no language of its fallback chain "
                f"{fallbacks(code)} has it"
            )
            continue
        assert not re.match(r"\{\{notranslate\}\}", str(DOCS[key]), re.I), (
            f"{code}.json: {key} is for each wiki to set, not to translate"
        )
        problems = syntax_problems(data[key], ENGLISH[key])
        assert not problems, f"{code}.json: {key}: {problems}"
        if data[key] == ENGLISH[key]:
            same.append(key)
    # A word can be the same ("Dates" in French, "Role" in Czech); a file mostly in English
    # is an untranslated copy.
    assert len(same) <= 3, f"{code}.json: the English text in {same}"


def test_the_languages_the_issue_asks_for() -> None:
    """At least 14 translations, 3 of them right to left, one falling back to another."""
    codes = gadget.translations()
    assert len(codes) >= 14, codes
    assert len([code for code in codes if right_to_left(code)]) >= 3
    partial = [code for code in codes if any(c in codes for c in fallbacks(code))]
    assert partial, "no translation falls back to another translation"


@pytest.mark.parametrize(
    ("text", "english"),
    [
        ("$1 ist in einem Kurs", "$1 is in $2 courses"),  # a placeholder lost
        ("{{PLURAL:$1|Kurs|Kurse}", "{{PLURAL:$1|course|courses}}"),  # unbalanced
        ("{{PLURAL:$1|Kurs|Kurse}}}}", "{{PLURAL:$1|course|courses}}"),
        ("}}{{PLURAL:$1|Kurs|Kurse", "{{PLURAL:$1|course|courses}}"),
        ("{{PLURL:$1|Kurs|Kurse}}", "{{PLURAL:$1|course|courses}}"),  # a misspelt word
        ("{{PLURAL:3|Kurs|Kurse}}", "{{PLURAL:$1|course|courses}}"),  # not a parameter
        ("{{GENDER:$1|Leiter|Leiterin}} $2", "{{PLURAL:$1|$2 course|$2 courses}}"),
        ("", "Close"),
        ("   ", "Close"),
    ],
)
def test_the_check_finds_broken_messages(text: str, english: str) -> None:
    assert syntax_problems(text, english) != []


def test_the_fallback_chains_are_mediawikis() -> None:
    assert fallbacks("pt-br") == ["pt", "en"]
    assert fallbacks("arz") == ["ar", "en"]
    assert right_to_left("ar") and right_to_left("he") and not right_to_left("de")
