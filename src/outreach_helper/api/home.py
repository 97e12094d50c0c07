"""`/`: a short page for people who open the tool's address in a browser.

What it says is held to the code by tests: every example link is asked of the demo
(`outreach-helper demo`) and must answer the status the page gives, every route of the
OpenAPI document is named here, and the gadget's installation (pages, definition line,
languages) is rendered from `outreach_helper.gadget`, the source the README's steps match.
"""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse

from outreach_helper import __version__, gadget
from outreach_helper.api.routing import QuickRoute

router = APIRouter(route_class=QuickRoute, tags=["about"])

# Example links name the demo's sample data (demo/dataset.py): they answer there, and on
# the real service only if the Dashboard has such a user or course.
_COURSE = "api/courses/Example_Wikimedians_User_Group,_Lagos/Wikidata_Days_2025_(November)"

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Outreach Dashboard Helper</title>
<style>
body {{ font: 16px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto;
       padding: 0 1rem; color: #202122; }}
code, pre {{ font: 14px/1.4 ui-monospace, monospace; background: #f8f9fa; }}
pre {{ padding: .75rem; overflow-x: auto; border: 1px solid #eaecf0; }}
pre.wrap {{ white-space: pre-wrap; word-break: break-all; }}
td {{ padding: .15rem .6rem .15rem 0; vertical-align: top; }}
</style></head>
<body>
<h1>Outreach Dashboard Helper</h1>
<p>A fast, cached JSON API in front of the
<a href="https://outreachdashboard.wmflabs.org">Outreach Dashboard</a> (and, where it is
configured, the <a href="https://dashboard.wikiedu.org">Wiki Education Dashboard</a>, which
runs the classroom program on English Wikipedia), for wiki gadgets: is a user in a
Dashboard course, which ones are active now, and who runs them?
Answers come from a cache, so gadgets get milliseconds and the Dashboard sees few
requests. Version {version}.</p>

<h2>The gadget</h2>
<p>A ready-made MediaWiki gadget (MediaWiki 1.39 or later) for patrollers and facilitators:</p>
<ul>
<li><b>On user pages</b> (User, User talk, Special:Contributions): if the user has an
Outreach Dashboard course, a link with a light <b>beside the page title</b> (a page
indicator, seen without opening any menu): green, an event of theirs is on now; yellow,
an active course; grey, courses but none active. One request per page view
(<code>/status</code>).</li>
<li><b>The dialog</b>, opened by the link: each course with its Dashboard page and dates,
the user's role in it in the course's own words (Editor and Facilitator on the Outreach
Dashboard, Student and Instructor in a Wiki Education classroom course), the
<b>facilitators</b> with links to their talk pages, and a button that copies a ping for
them; grouped by dashboard where the wiki asks several (the gadget's
<code>dashboards</code> setting, e.g. <code>['wikiedu', 'outreach']</code> on English
Wikipedia).</li>
<li><b>Marks in lists</b> on Recent changes, the watchlist, page histories, New pages and
logs: a small light after each username in a current course (from
<code>/api/participants</code>: one request per 50 names shown, never a Dashboard request
per name).</li>
<li><b>In the reader's language</b>: English and {translation_count} translations
({translations}), right to left where the language is.</li>
</ul>
<p>Nothing shows on other pages, or while the service is slow or down; requests carry no
cookies.</p>

<h3>Installing it on a wiki</h3>
<p>Wikis' Content-Security-Policy does not let them load scripts from Toolforge, so an
interface administrator copies the files (in <code>src/outreach_helper/gadget/</code> of
the source; the script and style sheet are also served here) to these pages:</p>
{page_rows}
<p>then adds this line to <code>MediaWiki:Gadgets-definition</code>:</p>
<pre class="wrap">{definition}</pre>
<p>Users turn it on in Preferences → Gadgets. A wiki may leave out languages (their pages
and their names in the line); running your own service, change <code>apiBase</code>, the
first setting in the script. The README has the rest: settings, hooks for other scripts,
and installing it for yourself only.</p>

<h2>Routes</h2>
<p>The example links use the sample data of <code>outreach-helper demo</code> (below); there
each answers 200 unless another status is given beside it.</p>
<table>
<tr><td><code>/api/users/{{username}}</code></td>
<td>a user's courses: <a href="api/users/Ada_Example">Ada_Example</a>;
<a href="api/users/Ada_Example?enrich=true">?enrich=true</a> adds dates, activity and
staff; a name the Dashboard does not know:
<a href="api/users/Does_Not_Exist">Does_Not_Exist</a> (404), a problem-details answer</td></tr>
<tr><td><code>/api/users/{{username}}/status</code></td>
<td>has courses? active ones? (one call per page view):
<a href="api/users/Ada_Example/status">Ada_Example</a></td></tr>
<tr><td><code>/api/users/{{username}}/active-staff</code></td>
<td>staff of the user's active courses:
<a href="api/users/Ada_Example/active-staff">Ada_Example</a>;
<a href="api/users/Ada_Example/active-staff?use_event_dates=true">?use_event_dates=true</a>
for the event window</td></tr>
<tr><td><code>/api/users?usernames=A|B|C</code></td>
<td>status of up to 50 users at once, past courses too:
<a href="api/users?usernames=Ada_Example|Zo%C3%AB_M%C3%BCller|Does_Not_Exist">three
names</a></td></tr>
<tr><td><code>/api/participants?usernames=A|B|C</code></td>
<td>which of up to 50 users are in a current course, with their state and role (for marks
in lists; no Dashboard request per name):
<a href="api/participants?usernames=Ada_Example|Zo%C3%AB_M%C3%BCller|Nobody_Enrolled">three
names</a></td></tr>
<tr><td><code>/api/courses/{{school}}/{{title_slug}}</code></td>
<td>a course's details: <a href="{course}">Wikidata Days 2025</a></td></tr>
<tr><td><code>/api/courses/{{school}}/{{title_slug}}/users</code></td>
<td>its facilitators and participants: <a href="{course}/users">Wikidata Days 2025</a></td></tr>
<tr><td><code>?dashboard=NAME</code>, <code>?dashboard=all</code></td>
<td>which dashboard to ask, on every <code>/api</code> route: a name from
<code>DASHBOARDS</code> (the default is the first); the user routes also take
<code>all</code>, every dashboard in one answer. The demo has two:
<a href="api/users/Priya_Natarajan?dashboard=wikiedu&amp;enrich=true">a Wiki Education
student</a>, <a href="api/users/Zo%C3%AB_M%C3%BCller/status?dashboard=all">a person on
both</a> (counts summed, each dashboard's own in <code>by_dashboard</code>),
<a href="api/participants?usernames=Zo%C3%AB_M%C3%BCller|Priya_Natarajan&amp;dashboard=all">marks
from both</a>; an unknown name:
<a href="api/users/Ada_Example?dashboard=nowhere">dashboard=nowhere</a> (400)</td></tr>
<tr><td><code>/health</code></td>
<td><a href="health">the service, its cache and the Dashboard</a></td></tr>
<tr><td><code>/healthz</code></td>
<td><a href="healthz">ok</a>, touching nothing: for platform probes</td></tr>
<tr><td><code>/stats</code>, <code>/stats.json</code></td>
<td>for maintainers: answers, cache hits and the Dashboard's health over
<a href="stats?range=1h">an hour</a>, <a href="stats">a day</a> or
<a href="stats?range=7d">a week</a> (<code>?range=1h|24h|7d</code>); the same points as
<a href="stats.json?range=24h">JSON</a></td></tr>
<tr><td><code>/metrics</code></td><td><a href="metrics">Prometheus metrics</a></td></tr>
<tr><td><code>/gadget/outreach-helper.js</code>, <code>/gadget/outreach-helper.css</code></td>
<td>the gadget's <a href="gadget/outreach-helper.js">script</a> and
<a href="gadget/outreach-helper.css">style sheet</a>, for copying onto a wiki</td></tr>
<tr><td><code>/docs</code>, <code>/openapi.json</code></td>
<td>every route, parameter, answer and error, with examples: <a href="docs">browse</a>,
<a href="openapi.json">the OpenAPI document</a></td></tr>
<tr><td><code>/</code></td><td>this page</td></tr>
</table>

<h2>From a gadget</h2>
<pre>fetch('https://outreach-helper.toolforge.org/api/users/'
      + encodeURIComponent(mw.config.get('wgRelevantUserName')) + '/status', {{
  credentials: 'omit',
  headers: {{ 'Api-User-Agent': 'MyGadget/1.0 (https://meta.wikimedia.org/wiki/User:Me)' }}
}})
  .then(function (r) {{ return r.ok ? r.json() : null; }})
  .then(function (status) {{
    if (status &amp;&amp; status.has_active_tracking) {{ /* show something */ }}
  }});</pre>
<p>Plain ES5, as MediaWiki 1.39 wants gadget code. Every answer carries CORS headers
(<code>Access-Control-Allow-Origin: *</code>, never credentials), an <code>ETag</code>, and
<code>Cache-Control</code>, so the browser's own cache answers repeat views. Errors are
<a href="https://www.rfc-editor.org/rfc/rfc9457">problem details</a> a gadget can read.</p>

<h2>Try it</h2>
<p><code>outreach-helper demo</code> runs this service on sample data, without the
Dashboard, the network or Redis, with demo wiki pages at <code>/demo/</code> where the
gadget runs unchanged. Details are in the README.</p>

<h2>Privacy</h2>
<p>No client IP addresses are stored or logged, and no cookies are set. The service
keeps only what the Dashboard shows anonymous visitors, trimmed further: never passcodes,
e-mail addresses or real names.</p>

<p><a href="{source}">Source code</a> ·
<a href="https://opensource.org/license/mit">MIT licence</a></p>
</body></html>
"""


def _page_rows() -> str:
    """The script and style sheet (served at /gadget/), then the translations folded away:
    every page of `gadget.wiki_pages()`, in the definition's order."""
    files, translations = [], []
    for page, file in gadget.wiki_pages():
        if file in gadget.MEDIA_TYPES:
            cell = f'<a href="gadget/{file}">{file}</a>'
            files.append(f"<tr><td><code>{escape(page)}</code></td><td>{cell}</td></tr>")
        else:
            translations.append(f"<tr><td><code>{escape(page)}</code></td><td>{file}</td></tr>")
    return (
        "<table>\n" + "\n".join(files) + "\n</table>\n"
        f"<details><summary>and a page for each of the {len(translations)} translations"
        "</summary>\n<table>\n" + "\n".join(translations) + "\n</table></details>"
    )


def home_page(source_url: str) -> bytes:
    translations = gadget.translations()
    return _PAGE.format(
        version=escape(__version__),
        source=escape(source_url),
        course=_COURSE,
        translation_count=len(translations),
        translations=", ".join(translations),
        page_rows=_page_rows(),
        definition=escape(gadget.definition()),
    ).encode()


@router.get(
    "/",
    response_class=HTMLResponse,
    summary="About this tool (HTML)",
    description="A short page for people: what the tool and its gadget do, its routes with "
    "example links, how to call it from a gadget, and its privacy note.",
    responses={200: {"content": {"text/html": {"example": "<!DOCTYPE html>..."}}}},
)
async def home(request: Request) -> HTMLResponse:
    return HTMLResponse(
        request.app.state.home_page, headers={"Cache-Control": "public, max-age=3600"}
    )
