"""The gadget's source: ES5 that MediaWiki 1.39's ResourceLoader accepts, and messages for
every string.

The syntax check is acorn (pinned with a lockfile in tests/es5/, installed by scripts/test
with `npm ci`) at `ecmaVersion: 5`, run by the machine's node: 1.39 validates gadget scripts
as ES5 and replaces anything newer with a parse error (tests/browser/test_wiki_*.py show
the real wiki accepting the file).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from outreach_helper import gadget

ES5_CHECK = Path(__file__).resolve().parents[1] / "es5" / "check.js"
SOURCE = gadget.read("outreach-helper.js").decode("utf-8")


def es5_errors(source: str) -> str:
    """What acorn (ecmaVersion 5, script) says about `source`; empty when it parses."""
    node = shutil.which("node")
    if node is None or not (ES5_CHECK.parent / "node_modules" / "acorn").is_dir():
        pytest.fail("node and tests/es5/node_modules are needed: scripts/test installs them")
    done = subprocess.run(
        [node, str(ES5_CHECK), "-"], input=source, capture_output=True, text=True, timeout=60
    )
    assert done.returncode in (0, 1), done.stderr
    return done.stdout.strip()


def test_the_gadget_is_es5() -> None:
    assert es5_errors(SOURCE) == ""


@pytest.mark.parametrize(
    "later",
    [
        "const a = 1;",
        "let a = 1;",
        "var f = (a) => a;",
        "function f( key, ...params ) {}",
        "var s = `x${ y }`;",
        "async function f() {}",
        "var a = b?.c;",
        "var a = b ?? c;",
        "function f( a = 1 ) {}",
        "class A {}",
        "for ( var x of y ) {}",
        "f( ...args );",
        "var o = { a, b };",
        "var { a } = b;",
        "var o = { f() {} };",
    ],
)
def test_the_check_rejects_later_syntax(later: str) -> None:
    """Each of these, slipped into the gadget, fails the check (as on 1.39)."""
    assert es5_errors(SOURCE.replace("'use strict';", "'use strict';\n" + later, 1)) != ""


def test_the_api_base_is_the_first_setting() -> None:
    source = SOURCE
    settings = source.index("return Object.assign( {")
    first = re.search(r"^\s+(\w+):", source[settings:], re.MULTILINE)
    assert first and first.group(1) == "apiBase"
    assert "'https://outreach-helper.toolforge.org'" in source[settings : settings + 400]


def test_every_message_used_has_an_english_default() -> None:
    source = SOURCE
    defaults = set(re.findall(r"^\t\t'(outreach-helper-[a-z-]+)':", source, re.MULTILINE))
    used = set(re.findall(r"'(outreach-helper-[a-z-]+)'", source))
    states = ("event", "tracking", "inactive")
    roles = ("student", "instructor", "editor", "facilitator", "campus-volunteer",
             "online-volunteer", "staff")  # fmt: skip
    built = {  # keys the gadget builds from a prefix and a state, role or dashboard
        *(f"outreach-helper-{kind}-{state}" for kind in ("link", "tooltip", "state")
          for state in states),
        *(f"outreach-helper-link-program-{state}" for state in states),
        *(f"outreach-helper-role-{role}" for role in roles),
        *(f"outreach-helper-ping-{which}{words}" for which in ("active", "all")
          for words in ("", "-instructors")),
        *(f"outreach-helper-{kind}-{name}" for kind in ("program", "dashboard")
          for name in ("outreach", "wikiedu")),
    }  # fmt: skip
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
    source = SOURCE
    literals = re.findall(r"textContent: '([^']*)'", source)
    assert set(literals) <= {"×"}
