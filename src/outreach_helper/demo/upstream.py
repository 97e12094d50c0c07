"""An httpx transport that answers the Dashboard's three endpoints from a sample dataset.

``create_app(settings, transport=demo_transport(dataset))`` runs the real service (client,
cache, views) without the network: every request the Dashboard client makes is answered
here, with the upstream's quirks (404 JSON for an unknown user, 404 HTML for a missing or
private course, ``_`` read as a space in usernames).
"""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote

import httpx

from outreach_helper.demo.dataset import Dataset

_NOT_FOUND_HTML = "<!DOCTYPE html><html><body><h1>Not found</h1></body></html>"


def demo_transport(dataset: Dataset) -> httpx.MockTransport:
    """A transport serving ``dataset``; the host of the requested URL does not matter."""

    def answer(request: httpx.Request) -> httpx.Response:
        path, _, query = request.url.raw_path.decode("ascii").partition("?")
        if request.method != "GET":
            return _not_found()
        if path == "/user_stats.json":
            username = dict(parse_qsl(query)).get("username", "").replace("_", " ")
            payload = dataset.users.get(username)
            if payload is None:
                return httpx.Response(404, json={"error": "User not found"})
            return httpx.Response(200, json=payload)
        parts = path.split("/")  # "", "courses", school, title, endpoint
        if len(parts) != 5 or parts[1] != "courses":
            return _not_found()
        slug = f"{unquote(parts[2])}/{unquote(parts[3])}"
        source = {"course.json": dataset.courses, "users.json": dataset.rosters}.get(parts[4])
        if source is None or slug in dataset.private or slug not in source:
            return _not_found()
        return httpx.Response(200, json=source[slug])

    return httpx.MockTransport(answer)


def _not_found() -> httpx.Response:
    return httpx.Response(404, text=_NOT_FOUND_HTML, headers={"content-type": "text/html"})
