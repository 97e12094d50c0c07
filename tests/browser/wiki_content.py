"""What the test wiki holds: the gadget, installed as the README's installation section
says, the accounts of the demo users, and a few pages and edits for the lists.

Accounts (wiki users exist for each, so `wgRelevantUserName` is set on their pages):
ADA (an event on now), ELODIE (an active course), PAST (only ended courses), NOBODY (on the
Dashboard, no course), UNKNOWN_USER (not on the Dashboard), ZOE (edits later, for live
updates), the Wiki Education student `we.STUDENT` (on the second fake Dashboard only; her
user page is an edit of hers), the patroller (gadget enabled in preferences, watches pages),
the tinkerer and the English Wikipedia patroller (both with settings in their common.js)
and Admin.
"""

from __future__ import annotations

import re

from outreach_helper import gadget
from outreach_helper.demo import dataset as ds
from outreach_helper.demo import wikiedu as we
from tests.browser.harness import ROOT
from tests.browser.mediawiki import ADMIN

PATROLLER = "Patroller"
PATROLLER_PASSWORD = "patroller-password-for-tests"
# A second patroller whose common.js changes the settings (portlet, marks off).
TINKERER = "Tinkerer"
TINKERER_PASSWORD = "tinkerer-password-for-tests"
# Their own text for the event link (wins over every language), and an emptied tracking
# link (passed over: the reader's language, else English).
LOCAL_LINK_EVENT = "Outreach: my event"
TINKERER_SETTINGS = (
    "window.outreachHelperConfig = { portlet: 'p-cactions', marks: false };\n"
    f"mw.messages.set( {{ 'outreach-helper-link-event': '{LOCAL_LINK_EVENT}', "
    "'outreach-helper-link-tracking': '' } );"
)
# A patroller of a wiki such as English Wikipedia, whose common.js asks both dashboards, as
# the README's example of the `dashboards` setting says.
ENWIKI_PATROLLER = "Enwiki Patroller"
ENWIKI_PATROLLER_PASSWORD = "enwiki-patroller-password-for-tests"
ENWIKI_SETTINGS = "window.outreachHelperConfig = { dashboards: [ 'wikiedu', 'outreach' ] };\n"
IP_EDITOR = "192.0.2.7"
ARTICLE = "Lagos"
NEW_ARTICLE = "Ibadan"  # created by Ada: a new page of hers on Special:NewPages
IP_ONLY_ARTICLE = "Abeokuta"  # edited by an IP address only: its history has no names
GADGET = "outreach-helper"
# The grammatical gender some accounts chose in their preferences (the rest: unknown).
GENDERS = {ds.ADA: "female", ds.ELODIE: "female"}
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
         ds.ZOE: "event", PATROLLER: "", TINKERER: "", ENWIKI_PATROLLER: "", ADMIN: "",
         we.STUDENT: "",  # on the Wiki Education Dashboard only: today's settings ask outreach
         "MediaWiki default": "", IP_EDITOR: ""}  # fmt: skip


def readme_definition() -> str:
    """The `MediaWiki:Gadgets-definition` line the README tells wikis to add."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = re.findall(r"`(\* outreach-helper\[[^`]*)`", readme)
    assert len(set(lines)) == 1, f"the README should give one definition line, not {lines}"
    return lines[0]


def readme_pages() -> dict[str, str]:
    """The README's table of pages to create: wiki page -> file of the gadget's folder."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^ *\| `(MediaWiki:Gadget-[^`]+)` \| `([^`]+)` \|$", readme, re.M)
    pages = dict(rows)
    assert len(pages) == len(rows), "the README lists a page twice"
    return pages


def gadget_script(api_base: str) -> str:
    """The gadget file with its first setting, the service, set as a wiki's admins would."""
    source = gadget.read("outreach-helper.js").decode("utf-8")
    assert source.count(DEFAULT_API_BASE) == 1
    return source.replace(DEFAULT_API_BASE, repr(api_base))


def gadget_pages(api_base: str) -> list[tuple[str, str]]:
    """The pages the README's installation steps create, with their text, in its order.

    The table and the definition line must agree with each other and with the repository:
    every page of the table is in the definition, every file of the definition has a row,
    and every translation in `gadget/i18n/` is installed (so a new language file without a
    README row fails here)."""
    pages = readme_pages()
    definition = readme_definition()
    files = definition[definition.index("]") + 1 :].split("|")[1:]
    listed = [f"MediaWiki:Gadget-{name.strip()}" for name in files]
    assert listed == list(pages), f"definition {listed} and table {list(pages)} differ"
    translations = {f"i18n/{code}.json" for code in gadget.translations()}
    assert translations <= set(pages.values()), translations - set(pages.values())
    texts = []
    for page, file in pages.items():
        if file == "outreach-helper.js":
            text = gadget_script(api_base)
        elif file.startswith("i18n/") and file.endswith(".json"):
            text = gadget.read_messages(file[len("i18n/") : -len(".json")]).decode("utf-8")
        else:
            text = gadget.read(file).decode("utf-8")
        texts.append((page, text))
    return texts


def wiki_plan(api_base: str) -> dict:
    admin_pages = [
        *gadget_pages(api_base),
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
        {"title": f"User:{ENWIKI_PATROLLER}/common.js", "text": ENWIKI_SETTINGS,
         "user": ENWIKI_PATROLLER, "summary": "both dashboards"},
        {"title": f"User:{we.STUDENT}", "text": "I study environmental history.",
         "user": we.STUDENT, "summary": "about me"},
    ]  # fmt: skip
    users = [{"name": user} for user in [*USERS, ds.ZOE, we.STUDENT]]
    for user in users:  # for {{GENDER:}} in the dialog's role words
        if user["name"] in GENDERS:
            user["options"] = {"gender": GENDERS[user["name"]]}
    for name, password in [(PATROLLER, PATROLLER_PASSWORD), (TINKERER, TINKERER_PASSWORD),
                           (ENWIKI_PATROLLER, ENWIKI_PATROLLER_PASSWORD)]:  # fmt: skip
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
