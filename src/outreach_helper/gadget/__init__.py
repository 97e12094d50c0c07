"""The wiki gadget: ``outreach-helper.js``, ``outreach-helper.css`` and its messages in
``i18n/<code>.json`` in this folder.

Wikis install their own copy (their Content-Security-Policy forbids loading scripts from
Toolforge); the service serves the script and style sheet at ``/gadget/`` so they are easy
to fetch, and the offline demo runs them on its stand-in wiki pages. The messages follow
MediaWiki's conventions: ``en.json`` is the source (the script carries a copy, its English
defaults), ``qqq.json`` documents each message for translators, and every other file is a
translation named by its MediaWiki language code, installed on a wiki as the JSON page
``MediaWiki:Gadget-outreach-helper-i18n-<code>.json`` of the package gadget.
"""

from __future__ import annotations

import json
from importlib.resources import files

MEDIA_TYPES = {
    "outreach-helper.js": "text/javascript; charset=utf-8",
    "outreach-helper.css": "text/css; charset=utf-8",
}
# Not translations: the English source (in the script already) and the documentation.
NOT_TRANSLATIONS = ("en", "qqq")


def read(name: str) -> bytes:
    """The current bytes of one of the gadget's files (read afresh: the demo shows edits)."""
    if name not in MEDIA_TYPES:
        raise KeyError(f"not a gadget file: {name!r}")
    return files(__name__).joinpath(name).read_bytes()


def languages() -> list[str]:
    """The language codes of the message files (``en`` and ``qqq`` included), sorted."""
    folder = files(__name__).joinpath("i18n")
    return sorted(entry.name[: -len(".json")] for entry in folder.iterdir()
                  if entry.name.endswith(".json"))  # fmt: skip


def read_messages(code: str) -> bytes:
    """The bytes of ``i18n/<code>.json``, as a wiki's JSON page holds them."""
    if code not in languages():
        raise KeyError(f"no message file for {code!r}")
    return files(__name__).joinpath("i18n", f"{code}.json").read_bytes()


def messages(code: str) -> dict[str, object]:
    """``i18n/<code>.json`` parsed (``@metadata`` included)."""
    return json.loads(read_messages(code))


def translations() -> list[str]:
    """The codes of the translations a wiki installs as pages (not ``en``, not ``qqq``)."""
    return [code for code in languages() if code not in NOT_TRANSLATIONS]


GADGET = "outreach-helper"
# A package gadget (the translations travel in its module, read with require()); jqueryMsg
# parses {{PLURAL:}} and {{GENDER:}}.
OPTIONS = "ResourceLoader|package|dependencies=mediawiki.util,mediawiki.jqueryMsg"


def wiki_pages() -> list[tuple[str, str]]:
    """The pages a wiki creates to install the gadget, in the definition's order:
    (``MediaWiki:Gadget-...`` page, file of this folder)."""
    pages = [(f"MediaWiki:Gadget-{name}", name) for name in MEDIA_TYPES]
    pages += [(f"MediaWiki:Gadget-{GADGET}-i18n-{code}.json", f"i18n/{code}.json")
              for code in translations()]  # fmt: skip
    return pages


def definition() -> str:
    """The ``MediaWiki:Gadgets-definition`` line for those pages: the one source of the line
    that ``/`` shows and the README's installation steps give (a test holds them equal)."""
    names = [page.removeprefix("MediaWiki:Gadget-") for page, _ in wiki_pages()]
    return f"* {GADGET}[{OPTIONS}]|" + "|".join(names)
