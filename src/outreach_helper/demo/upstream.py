"""An httpx transport that answers the Dashboard's endpoints from a sample dataset.

``create_app(settings, transport=demo_transport(dataset))`` runs the real service (client,
cache, views) without the network; ``routed_transport({host: dataset, ...})`` serves one
dataset per Dashboard host, for several dashboards. Every request the Dashboard client
makes is answered here as the Rails application would (``rails.py``: the username decoded
twice, users and slugs found case- and accent-insensitively, JSON 404s, ``ended`` computed
when rendering).
The bulk lists (all_courses, campaign users, courses_by_wiki, active_courses) are rendered
from the same data by ``rails``, with Rack's weak ETag and a 304 to an equal
``If-None-Match``; mutations of the dataset (``Dataset.enroll``, ``set_dates``,
``set_private``, ...) show in every answer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from urllib.parse import unquote

import httpx

from outreach_helper.demo import rails
from outreach_helper.demo.dataset import Dataset

_NOT_FOUND_HTML = "<!DOCTYPE html><html><body><h1>Not found</h1></body></html>"


def demo_transport(dataset: Dataset) -> httpx.MockTransport:
    """A transport serving ``dataset``; the host of the requested URL does not matter."""
    return httpx.MockTransport(_answerer(dataset))


def routed_transport(worlds: Mapping[str, Dataset]) -> httpx.MockTransport:
    """A transport serving one dataset per host (``{"outreach.demo.invalid": ...}``), as
    several Dashboards would; any other host cannot be reached, as a name that does not
    resolve."""
    answerers = {host.lower(): _answerer(data) for host, data in worlds.items()}

    def answer(request: httpx.Request) -> httpx.Response:
        answerer = answerers.get(request.url.host.lower())
        if answerer is None:
            raise httpx.ConnectError(f"no such host: {request.url.host}", request=request)
        return answerer(request)

    return httpx.MockTransport(answer)


def _answerer(dataset: Dataset) -> Callable[[httpx.Request], httpx.Response]:
    """How the Dashboard over ``dataset`` answers one request."""

    def answer(request: httpx.Request) -> httpx.Response:
        path, _, query = request.url.raw_path.decode("ascii").partition("?")
        if request.method != "GET":
            return _not_found()
        bulk = rails.route_bulk(path, query)
        if bulk is not None:
            return _bulk(dataset, bulk, request)
        if path == "/user_stats.json":
            try:
                username = rails.read_username(query)
            except rails.BadQuery:
                return httpx.Response(400, text="Bad Request")
            found = rails.find_by_collation(dataset.users, username) if username else None
            if found is None:
                return httpx.Response(404, json={"error": "User not found"})
            return httpx.Response(200, json=found[1])
        parts = path.split("/")  # "", "courses", school, title..., document
        if len(parts) < 5 or parts[1] != "courses":
            return _not_found()
        source = {"course.json": dataset.courses, "users.json": dataset.rosters}.get(parts[-1])
        if source is None:
            return _not_found()
        slug = unquote("/".join(parts[2:-1]))
        found = rails.find_by_collation(dataset.courses, slug)
        if found is None:
            return httpx.Response(404, json=rails.course_not_found(slug))
        if found[0] in dataset.private:
            return httpx.Response(404, json=rails.PRIVATE_COURSE)
        payload = source.get(found[0], {"course": {"users": []}})
        if parts[-1] == "course.json":
            payload = rails.render_course(payload)
        return httpx.Response(200, json=payload)

    return answer


def _not_found() -> httpx.Response:
    return httpx.Response(404, text=_NOT_FOUND_HTML, headers={"content-type": "text/html"})


def _bulk(dataset: Dataset, bulk: rails.BulkRequest, request: httpx.Request) -> httpx.Response:
    if bulk.endpoint == "courses_by_wiki" and not rails.valid_wiki(
        bulk.language, bulk.project or ""
    ):
        return httpx.Response(500, text="We're sorry, but something went wrong.")
    status, payload = rails.answer_bulk(dataset, bulk, datetime.now(UTC))
    response = httpx.Response(status, json=payload)
    if status != 200:
        return response
    etag = rails.etag(response.content)
    if rails.not_modified(request.headers.get("if-none-match"), etag):
        return httpx.Response(304, headers={"etag": etag})
    response.headers["etag"] = etag
    return response
