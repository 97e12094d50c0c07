"""What the test wiki holds: the gadget, installed as the README's installation section
says, the accounts of the demo users, and a few pages and edits for the lists.

Accounts (wiki users exist for each, so `wgRelevantUserName` is set on their pages):
ADA (an event on now), ELODIE (an active course), PAST (only ended courses), NOBODY (on the
Dashboard, no course), UNKNOWN_USER (not on the Dashboard), ZOE (edits later, for live
updates), the patroller (gadget enabled in preferences, watches pages) and Admin.
"""

from __future__ import annotations

import re

from outreach_helper import gadget
from outreach_helper.demo import dataset as ds
from tests.browser.harness import ROOT
from tests.browser.mediawiki import ADMIN

PATROLLER = "Patroller"
PATROLLER_PASSWORD = "patroller-password-for-tests"
# A second patroller whose common.js changes the settings (portlet, marks off).
TINKERER = "Tinkerer"
TINKERER_PASSWORD = "tinkerer-password-for-tests"
TINKERER_SETTINGS = "window.outreachHelperConfig = { portlet: 'p-cactions', marks: false };"
IP_EDITOR = "192.0.2.7"
ARTICLE = "Lagos"
NEW_ARTICLE = "Ibadan"  # created by Ada: a new page of hers on Special:NewPages
IP_ONLY_ARTICLE = "Abeokuta"  # edited by an IP address only: its history has no names
GADGET = "outreach-helper"
DEFAULT_API_BASE = "'https://outreach-helper.toolforge.org'"

# Users whose own pages the link tests visit, with the outcome the gadget must reach.
USERS = {
    ds.ADA: "event",
    ds.ELODIE: "tracking",
    ds.PAST: "inactive",
    ds.NOBODY: "none",
    ds.UNKNOWN_USER: "none",
}
# The light each account's rows get in lists ("" = no mark): people in a current course
# only (from /api/participants); past participants keep their grey light on their pages.
UNMARKED = ("none", "inactive")
MARKS = {**{user: ("" if light in UNMARKED else light) for user, light in USERS.items()},
         ds.ZOE: "event", PATROLLER: "", TINKERER: "", ADMIN: "",
         "MediaWiki default": "", IP_EDITOR: ""}  # fmt: skip


def readme_definition() -> str:
    """The `MediaWiki:Gadgets-definition` line the README tells wikis to add."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = re.findall(r"`(\* outreach-helper\[[^`]*)`", readme)
    assert len(set(lines)) == 1, f"the README should give one definition line, not {lines}"
    return lines[0]


def gadget_script(api_base: str) -> str:
    """The gadget file with its first setting, the service, set as a wiki's admins would."""
    source = gadget.read("outreach-helper.js").decode("utf-8")
    assert source.count(DEFAULT_API_BASE) == 1
    return source.replace(DEFAULT_API_BASE, repr(api_base))


def wiki_plan(api_base: str) -> dict:
    css = gadget.read("outreach-helper.css").decode("utf-8")
    admin_pages = [
        (f"MediaWiki:Gadget-{GADGET}.js", gadget_script(api_base)),
        (f"MediaWiki:Gadget-{GADGET}.css", css),
        (f"MediaWiki:Gadget-{GADGET}", "Outreach Dashboard courses of users, with a light"),
        ("MediaWiki:Gadgets-definition", readme_definition() + "\n"),
        (ARTICLE, "'''Lagos''' is a city."),
    ]
    edits = [{"title": t, "text": text, "user": ADMIN, "summary": "set up"}
             for t, text in admin_pages]  # fmt: skip
    for user in USERS:
        edits.append({"title": f"User:{user}", "text": f"I am {user}.", "user": user,
                      "summary": "about me"})  # fmt: skip
    edits += [
        {"title": ARTICLE, "text": "'''Lagos''' is a city in Nigeria.", "user": ds.ADA,
         "summary": "more"},
        {"title": ARTICLE, "text": "'''Lagos''' is a large city in Nigeria.",
         "user": ds.NOBODY, "summary": "more"},
        {"title": ARTICLE, "text": "'''Lagos''' is a large city in Nigeria!", "ip": IP_EDITOR,
         "summary": "more"},
        {"title": NEW_ARTICLE, "text": "'''Ibadan''' is a city.", "user": ds.ADA,
         "summary": "new"},
        {"title": IP_ONLY_ARTICLE, "text": "A city.", "ip": IP_EDITOR, "summary": "new"},
        {"title": f"User:{TINKERER}/common.js", "text": TINKERER_SETTINGS, "user": TINKERER,
         "summary": "my settings"},
    ]  # fmt: skip
    users = [{"name": user} for user in [*USERS, ds.ZOE]]
    for name, password in [(PATROLLER, PATROLLER_PASSWORD), (TINKERER, TINKERER_PASSWORD)]:
        users.append({"name": name, "password": password, "options": {f"gadget-{GADGET}": 1}})
    watched = [ARTICLE, f"User:{ds.ADA}", f"User:{ds.NOBODY}"]
    return {
        "users": users,
        "edits": edits,
        "watch": [{"user": PATROLLER, "title": title} for title in watched],
    }


def later_edit(user: str, text: str) -> dict:
    """An edit to make while a page is open (for live updates)."""
    return {"edits": [{"title": ARTICLE, "text": text, "user": user, "summary": "update"}]}
