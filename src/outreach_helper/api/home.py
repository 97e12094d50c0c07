"""`/`: a short page for people who open the tool's address in a browser."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse

from outreach_helper import __version__
from outreach_helper.api.routing import QuickRoute

router = APIRouter(route_class=QuickRoute, tags=["about"])

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Outreach Dashboard Helper</title>
<style>
body {{ font: 16px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto;
       padding: 0 1rem; color: #202122; }}
code, pre {{ font: 14px/1.4 ui-monospace, monospace; background: #f8f9fa; }}
pre {{ padding: .75rem; overflow-x: auto; border: 1px solid #eaecf0; }}
td {{ padding: .15rem .6rem .15rem 0; vertical-align: top; }}
</style></head>
<body>
<h1>Outreach Dashboard Helper</h1>
<p>A fast, cached JSON API in front of the
<a href="https://outreachdashboard.wmflabs.org">Outreach Dashboard</a>, for wiki gadgets:
is a user in a Dashboard course, which ones are active now, and who runs them?
Answers come from a cache, so gadgets get milliseconds and the Dashboard sees few
requests. Version {version}.</p>

<h2>Routes</h2>
<table>
<tr><td><a href="api/users/Ada_Example">/api/users/{{username}}</a></td>
<td>a user's courses; <a href="api/users/Ada_Example?enrich=true">?enrich=true</a> adds
dates, activity and staff</td></tr>
<tr><td><a href="api/users/Ada_Example/status">/api/users/{{username}}/status</a></td>
<td>has courses? active ones? (one call per page view)</td></tr>
<tr><td><a href="api/users/Ada_Example/active-staff">/api/users/{{username}}/active-staff</a></td>
<td>staff of the user's active courses;
<a href="api/users/Ada_Example/active-staff?use_event_dates=true">?use_event_dates=true</a>
for the event window</td></tr>
<tr><td><a href="api/users?usernames=Ada_Example|Zo%C3%AB_M%C3%BCller"
>/api/users?usernames=A|B|C</a></td>
<td>status of up to 50 users at once, past courses too</td></tr>
<tr><td><a href="api/participants?usernames=Ada_Example|Zo%C3%AB_M%C3%BCller|Nobody_Enrolled"
>/api/participants?usernames=A|B|C</a></td>
<td>which of up to 50 users are in a current course (for marks in lists; no Dashboard
request per name)</td></tr>
<tr><td>/api/courses/{{school}}/{{title_slug}}</td><td>a course's details</td></tr>
<tr><td>/api/courses/{{school}}/{{title_slug}}/users</td>
<td>its facilitators and participants</td></tr>
<tr><td><a href="health">/health</a></td><td>the service, its cache and the Dashboard</td></tr>
<tr><td><a href="stats">/stats</a>, <a href="stats.json">/stats.json</a></td>
<td>for maintainers: answers, cache hits and the Dashboard's health over hours and days</td></tr>
<tr><td><a href="docs">/docs</a>, <a href="openapi.json">/openapi.json</a></td>
<td>every route, parameter, answer and error, with examples</td></tr>
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
<p>Every answer carries CORS headers (<code>Access-Control-Allow-Origin: *</code>, never
credentials), an <code>ETag</code>, and <code>Cache-Control</code>, so the browser's own
cache answers repeat views. Errors are
<a href="https://www.rfc-editor.org/rfc/rfc9457">problem details</a> a gadget can read.</p>

<h2>A ready-made gadget</h2>
<p>On user pages and contributions, it shows a traffic light in the Tools menu (an event on
now, an active course, no active course) and, on a click, the courses, their dates and
facilitators, with a ping to copy. Wikis' Content-Security-Policy does not let them load
scripts from Toolforge, so copy <a href="gadget/outreach-helper.js">gadget/outreach-helper.js</a>
and <a href="gadget/outreach-helper.css">gadget/outreach-helper.css</a> to
<code>MediaWiki:Gadget-outreach-helper.js</code> and <code>.css</code> (or to your own user
pages, loaded from your common.js), then add to <code>MediaWiki:Gadgets-definition</code>:</p>
<pre>* outreach-helper[ResourceLoader|dependencies=mediawiki.util]\
|outreach-helper.js|outreach-helper.css</pre>
<p>That gadget speaks English. For the reader's language (15 translations, right to left
where the language is), the README lists the translation pages to copy from
<code>src/outreach_helper/gadget/i18n/</code> and the <code>package</code> definition line.</p>
<p>Try it without a wiki: <code>outreach-helper demo</code> runs this service on sample data
with demo wiki pages at <code>/demo/</code>. Details are in the README.</p>

<h2>Privacy</h2>
<p>No client IP addresses are stored or logged, and no cookies are set. The service
keeps only what the Dashboard shows anonymous visitors, trimmed further: never passcodes,
e-mail addresses or real names.</p>

<p><a href="{source}">Source code</a> ·
<a href="https://opensource.org/license/mit">MIT licence</a></p>
</body></html>
"""


def home_page(source_url: str) -> bytes:
    return _PAGE.format(version=escape(__version__), source=escape(source_url)).encode()


@router.get(
    "/",
    response_class=HTMLResponse,
    summary="About this tool (HTML)",
    description="A short page for people: what the tool is, its routes with example links, "
    "how to call it from a gadget, and its privacy note.",
    responses={200: {"content": {"text/html": {"example": "<!DOCTYPE html>..."}}}},
)
async def home(request: Request) -> HTMLResponse:
    return HTMLResponse(
        request.app.state.home_page, headers={"Cache-Control": "public, max-age=3600"}
    )
