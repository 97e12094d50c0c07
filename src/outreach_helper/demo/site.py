"""The demo wiki: pages where the real gadget runs against a stand-in `mw` object.

``create_demo_site(api_base)`` is a small Starlette app: ``/wiki/{title}`` renders any title
as a page of a plain wiki skin with MediaWiki's `mw.config` for it, then loads the stand-in
``mw`` and the gadget (read afresh on every request, so an edit shows on reload).
``?uselang=de`` sets the user language, as on a wiki. The demo command mounts it at
``/demo`` beside the service; the browser tests serve it on its own port, like a wiki on
another origin.
"""

from __future__ import annotations

import html
import json
from importlib.resources import files
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from outreach_helper import gadget
from outreach_helper.demo import dataset as ds
from outreach_helper.demo import wikiedu as we
from outreach_helper.demo.wiki import NS_MAIN, WikiPage, parse_title, user_language

# (title, what it shows): the pages the index and the sidebar link to.
DEMO_PAGES: list[tuple[str, str]] = [
    (f"User:{ds.ADA}", "facilitates an event that is on now and takes part in an active "
                       "course: a green light."),
    (f"User talk:{ds.ELODIE}", "facilitates an active course with no event on now: a yellow "
                               "light."),
    (f"User:{ds.PAST}", "took part in a course that has ended: a grey light."),
    (f"Special:Contributions/{ds.OBRIEN}", "takes part in an event on now and is enrolled "
                                           "twice in another course: the dialog shows both "
                                           "roles."),
    (f"User:{we.STUDENT}", "is a student in a Wiki Education classroom course that is on "
                           "now: a green light; the dialog names the course's Instructor "
                           "and Wiki Education staff, in the classroom's words."),
    (f"User:{ds.ZOE}", "is on both dashboards: a student in a Wiki Education classroom "
                       "course and an editor in an Outreach event on now; the dialog shows "
                       "the courses of each."),
    (f"User:{ds.NOBODY}", "has a Dashboard account but no course: no link."),
    (f"User:{ds.UNKNOWN_USER}", "is unknown to the Dashboard: no link."),
    ("Lagos", "is an article: the gadget does nothing, and asks nothing."),
]  # fmt: skip
_DESCRIPTIONS = {title: text for title, text in DEMO_PAGES}
_STATIC = {"mw.js": "text/javascript; charset=utf-8", "demo.css": "text/css; charset=utf-8"}


def create_demo_site(
    api_base: str | None = None, dashboards: tuple[str, ...] | None = None
) -> Starlette:
    """The demo wiki; the gadget asks ``api_base``, or this site's own origin if None,
    for ``dashboards`` (its `dashboards` setting; None leaves the gadget's default)."""
    defaults: dict[str, object] = {"apiBase": api_base}
    if dashboards is not None:
        # A gadget that does not know the setting ignores it (it only reads known keys).
        defaults["dashboards"] = list(dashboards)

    async def index(request: Request) -> Response:
        root = request.scope.get("root_path", "")
        items = "".join(
            f'<dt><a href="{_href(root, title)}">{html.escape(title)}</a></dt>'
            f"<dd>{html.escape(text)}</dd>"
            for title, text in DEMO_PAGES
        )
        body = (
            "<p>The Outreach Dashboard Helper gadget runs on these pages exactly as it would on "
            "a wiki, against the sample courses of two Dashboards (the Outreach Dashboard and "
            "the Wiki Education Dashboard), whose dates move with today's date. Edit "
            "<code>src/outreach_helper/gadget/outreach-helper.js</code> and reload to see a "
            "change. Add <code>?uselang=de</code> to a page's address for dates in German.</p>"
            f'<dl class="demo-pages">{items}</dl>'
        )
        return HTMLResponse(_layout(root, "Outreach Dashboard Helper: demo wiki", body))

    async def page(request: Request) -> Response:
        root = request.scope.get("root_path", "")
        wiki_page = parse_title(request.path_params["title"])
        settings = {**defaults, "apiBase": api_base or _origin(request)}
        language = user_language(request.query_params.get("uselang"))
        config = wiki_page.config(language, f"{root}/wiki/$1")
        body = _page_text(wiki_page) + _scripts(root, settings, config)
        return HTMLResponse(_layout(root, wiki_page.title, body, wiki_page))

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in _STATIC:
            return Response("Not found", status_code=404, media_type="text/plain")
        content = files("outreach_helper.demo").joinpath("static", name).read_bytes()
        return Response(content, media_type=_STATIC[name], headers={"Cache-Control": "no-cache"})

    async def gadget_file(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in gadget.MEDIA_TYPES:
            return Response("Not found", status_code=404, media_type="text/plain")
        return Response(
            gadget.read(name),
            media_type=gadget.MEDIA_TYPES[name],
            headers={"Cache-Control": "no-cache"},
        )

    return Starlette(
        routes=[
            Route("/", index),
            Route("/wiki/{title:path}", page),
            Route("/static/{name}", static),
            Route("/gadget/{name}", gadget_file),
        ]
    )


def _origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


def _href(root: str, title: str) -> str:
    return html.escape(f"{root}/wiki/{quote(title.replace(' ', '_'), safe=':/(),')}")


def _json(value: object) -> str:
    """JSON safe inside a <script> element."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _page_text(wiki_page: WikiPage) -> str:
    description = _DESCRIPTIONS.get(wiki_page.title)
    if description:  # "<user or page> <does what>"
        text = f"{wiki_page.relevant_user or wiki_page.title} {description}"
    elif wiki_page.namespace == NS_MAIN:
        text = "An article of the demo wiki. The gadget acts only on user pages."
    else:
        text = "A page of the demo wiki."
    return (
        f"<p>{html.escape(text)}</p>"
        '<p class="demo-note">Look for the <b>Outreach</b> link under <b>Tools</b> in the '
        "sidebar. The sample data is built in: nothing here reaches the real Dashboards.</p>"
    )


def _scripts(root: str, settings: dict[str, object], config: dict[str, object]) -> str:
    # Settings a test (or a person, in the console) set before the page loads win.
    defaults = ", ".join(f"{key}: {_json(value)}" for key, value in settings.items())
    return (
        "<script>window.outreachHelperConfig = Object.assign("
        f"{{{defaults}}}, window.outreachHelperConfig);</script>"
        f'<script src="{root}/static/mw.js"></script>'
        f"<script>mw.config.set({_json(config)});</script>"
        f'<script src="{root}/gadget/outreach-helper.js"></script>'
    )


def _layout(root: str, title: str, body: str, wiki_page: WikiPage | None = None) -> str:
    nav = "".join(
        f'<li><a href="{_href(root, page_title)}">{html.escape(page_title)}</a></li>'
        for page_title, _ in DEMO_PAGES
    )
    tools = '<li id="t-whatlinkshere"><a href="#">What links here</a></li>'
    if wiki_page and wiki_page.relevant_user:
        target = f"Special:Contributions/{wiki_page.relevant_user}"
        tools += (
            f'<li id="t-contributions"><a href="{_href(root, target)}">User contributions</a></li>'  # noqa: E501
        )
    tools += '<li id="t-info"><a href="#">Page information</a></li>'
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{html.escape(title)} – Demo Wiki</title>
<link rel="stylesheet" href="{root}/static/demo.css">
<link rel="stylesheet" href="{root}/gadget/outreach-helper.css">
</head>
<body>
<header class="demo-header">
<a class="demo-logo" href="{root}/">Demo Wiki</a>
<span class="demo-tagline">an offline stand-in wiki for the Outreach Dashboard Helper gadget</span>
</header>
<div class="demo-layout">
<nav class="demo-sidebar">
<div id="p-navigation" class="portlet"><h3>Demo pages</h3><ul>{nav}</ul></div>
<div id="p-tb" class="portlet"><h3>Tools</h3><ul>{tools}</ul></div>
</nav>
<main class="demo-content" id="content">
<h1 id="firstHeading">{html.escape(title)}</h1>
<div id="bodyContent">{body}</div>
</main>
</div>
</body>
</html>
"""
