"""The gadget's source: ES2017 that ResourceLoader accepts, and messages for every string."""

from __future__ import annotations

import re
from collections.abc import Iterator

import esprima
import pytest

from outreach_helper import gadget
from outreach_helper.demo.site import files

SCRIPTS = {
    "gadget": gadget.read("outreach-helper.js").decode("utf-8"),
    "stand-in mw": files("outreach_helper.demo").joinpath("static", "mw.js").read_text("utf-8"),
}


def nodes(node: object) -> Iterator[object]:
    """Every node of an esprima syntax tree."""
    yield node
    for value in vars(node).values() if hasattr(node, "__dict__") else ():
        children = value if isinstance(value, list) else [value]
        for child in children:
            if hasattr(child, "type"):
                yield from nodes(child)


@pytest.mark.parametrize("name", SCRIPTS)
def test_parses_as_es2017(name: str) -> None:
    """esprima parses ES2017 and rejects later syntax (?. ?? async generators, catch
    without binding), except object spread and rest, which are checked here."""
    tree = esprima.parseScript(SCRIPTS[name])
    later = [
        node.type
        for node in nodes(tree)
        if node.type in ("ObjectExpression", "ObjectPattern")
        and any(prop.type in ("SpreadElement", "RestElement") for prop in node.properties)
    ]
    assert later == [], "object spread/rest is ES2018"


def test_the_check_can_fail() -> None:
    with pytest.raises(esprima.Error):
        esprima.parseScript("const a = b?.c;")
    tree = esprima.parseScript("const a = { ...b };")
    assert any(node.type == "SpreadElement" for node in nodes(tree))


def test_the_api_base_is_the_first_setting() -> None:
    source = SCRIPTS["gadget"]
    settings = source.index("const settings = Object.assign( {")
    first = re.search(r"^\s+(\w+):", source[settings:], re.MULTILINE)
    assert first and first.group(1) == "apiBase"
    assert "'https://outreach-helper.toolforge.org'" in source[settings : settings + 400]


def test_every_message_used_has_an_english_default() -> None:
    source = SCRIPTS["gadget"]
    defaults = set(re.findall(r"^\t\t'(outreach-helper-[a-z-]+)':", source, re.MULTILINE))
    used = set(re.findall(r"'(outreach-helper-[a-z-]+)'", source))
    built = {  # keys the gadget builds from a prefix and a state or role
        f"outreach-helper-{kind}-{state}"
        for kind in ("link", "tooltip", "state")
        for state in ("event", "tracking", "inactive")
    } | {
        f"outreach-helper-role-{role}"
        for role in ("student", "facilitator", "campus-volunteer", "online-volunteer", "staff")
    }
    # Class names share the prefix; only keys passed to msg()/mw.message() must be defined.
    keys = {
        key
        for key in used
        if not key.endswith("-")  # a prefix, completed from `built` below
        and (f"msg( '{key}'" in source or f"message( '{key}'" in source)
    }
    assert keys and keys <= defaults
    assert built <= defaults


def test_no_string_is_shown_without_a_message() -> None:
    """textContent is only ever set from msg(), data or a fixed symbol such as ×."""
    source = SCRIPTS["gadget"]
    literals = re.findall(r"textContent: '([^']*)'", source)
    assert set(literals) <= {"×"}
