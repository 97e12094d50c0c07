"""Every JavaScript snippet meant for a wiki is ES5, as MediaWiki 1.39 wants gadget code:
the README's ```js blocks and the home page's <pre> example, checked with the same acorn
check as the gadget (a snippet that a wiki rejects would teach gadget authors to break
their gadgets)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from outreach_helper.api.home import home_page
from tests.unit.test_gadget_source import es5_errors

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_snippets() -> list[str]:
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"^( *)```js\n(.*?)^\1```", text, flags=re.M | re.S)
    return [re.sub(rf"(?m)^{indent}", "", body) for indent, body in blocks]


def home_snippets() -> list[str]:
    """The page's <pre> blocks that are JavaScript (not the gadget definition line)."""
    page = home_page("https://example.org/src").decode()
    blocks = [html.unescape(body) for body in re.findall(r"<pre>(.*?)</pre>", page, flags=re.S)]
    return [block for block in blocks if not block.startswith("* ")]


def test_there_are_snippets_to_check() -> None:
    assert len(readme_snippets()) >= 2
    assert any("fetch(" in snippet for snippet in home_snippets())


@pytest.mark.parametrize("snippet", readme_snippets() + home_snippets())
def test_each_snippet_is_es5(snippet: str) -> None:
    assert es5_errors(snippet) == "", snippet


def test_the_check_catches_an_arrow_function() -> None:
    assert es5_errors("fetch('/x').then((r) => r.json());") != ""
