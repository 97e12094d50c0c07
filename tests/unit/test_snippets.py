"""Every JavaScript snippet meant for a wiki is ES5, as MediaWiki 1.39 wants gadget code:
the README's ```js blocks, the home page's <pre> example and any snippet in the OpenAPI
document's descriptions, checked with the same acorn check as the gadget (a snippet that a
wiki rejects would teach gadget authors to break their gadgets)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from outreach_helper.api.home import home_page
from outreach_helper.main import create_app
from outreach_helper.settings import Settings
from tests.unit.test_gadget_source import es5_errors

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_snippets() -> list[str]:
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"^( *)```js\n(.*?)^\1```", text, flags=re.M | re.S)
    return [re.sub(rf"(?m)^{indent}", "", body) for indent, body in blocks]


def home_snippets() -> list[str]:
    """The page's <pre> blocks that are JavaScript (not the gadget definition line)."""
    page = home_page("https://example.org/src").decode()
    blocks = [html.unescape(body) for body in re.findall(r"<pre[^>]*>(.*?)</pre>", page, re.S)]
    return [block for block in blocks if not block.startswith("* ")]


def descriptions(node: object) -> list[str]:
    """Every `description` text of an OpenAPI document, at any depth (the API's, each
    operation's, parameter's, answer's and schema's)."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "description" and isinstance(value, str):
                found.append(value)
            else:
                found += descriptions(value)
    elif isinstance(node, list):
        for value in node:
            found += descriptions(value)
    return found


# Inline code that is JavaScript: a call on `mw.` or `fetch(`, or any arrow function.
_INLINE_JS = re.compile(r"^(mw\.|fetch\(|.*=>)")


def markdown_snippets(text: str) -> list[str]:
    """JavaScript in a Markdown description: fenced blocks marked js/javascript (or not
    marked at all), and inline code that reads as JavaScript."""
    blocks = re.findall(r"^ *```(js|javascript|)\n(.*?)^ *```", text, flags=re.M | re.S)
    inline = [code for code in re.findall(r"(?<!`)`([^`\n]+)`(?!`)", text)
              if _INLINE_JS.match(code)]  # fmt: skip
    return [body for _, body in blocks] + inline


DOCUMENT_DESCRIPTIONS = descriptions(create_app(Settings(_env_file=None)).openapi())
OPENAPI_SNIPPETS = [s for text in DOCUMENT_DESCRIPTIONS for s in markdown_snippets(text)]


def test_there_are_snippets_to_check() -> None:
    assert len(readme_snippets()) >= 2
    assert any("fetch(" in snippet for snippet in home_snippets())


def test_the_openapi_descriptions_were_all_read() -> None:
    """Every description was read (297 on 2026-12-07, the API's own included), and none
    has JavaScript today; a snippet added to one is checked by test_each_snippet_is_es5."""
    assert len(DOCUMENT_DESCRIPTIONS) >= 250, len(DOCUMENT_DESCRIPTIONS)
    assert any("Access-Control-Allow-Origin" in text for text in DOCUMENT_DESCRIPTIONS)
    assert all(es5_errors(snippet) == "" for snippet in OPENAPI_SNIPPETS)


def test_the_scanner_finds_snippets_in_descriptions() -> None:
    text = ("Call it:\n\n```js\nfetch('/x').then((r) => r.json());\n```\n\nor "
            "`mw.hook( 'outreachHelper.ready' ).add( f )`; `true` is no code.")  # fmt: skip
    found = markdown_snippets(text)
    assert found == [
        "fetch('/x').then((r) => r.json());\n",
        "mw.hook( 'outreachHelper.ready' ).add( f )",
    ]
    assert es5_errors(found[0]) != ""


@pytest.mark.parametrize("snippet", readme_snippets() + home_snippets() + OPENAPI_SNIPPETS)
def test_each_snippet_is_es5(snippet: str) -> None:
    assert es5_errors(snippet) == "", snippet


def test_the_check_catches_an_arrow_function() -> None:
    assert es5_errors("fetch('/x').then((r) => r.json());") != ""
