"""The gadget's files served at /gadget/ for wiki administrators to fetch."""

from __future__ import annotations

import html

import httpx
import pytest

from outreach_helper import gadget
from tests.servers import AppServer


@pytest.fixture
def http(make_app) -> httpx.Client:
    server: AppServer = make_app()
    with httpx.Client(base_url=server.base_url, timeout=10) as client:
        yield client


@pytest.mark.parametrize(
    ("name", "media_type"),
    [("outreach-helper.js", "text/javascript"), ("outreach-helper.css", "text/css")],
)
def test_served_with_their_content_type_and_an_etag(
    http: httpx.Client, name: str, media_type: str
) -> None:
    response = http.get(f"/gadget/{name}")
    assert response.status_code == 200
    assert response.headers["content-type"] == f"{media_type}; charset=utf-8"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"].startswith("public, max-age=")
    assert response.content == gadget.read(name)
    etag = response.headers["etag"]

    again = http.get(f"/gadget/{name}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    other = http.get(f"/gadget/{name}", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200

    head = http.head(f"/gadget/{name}")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == f"{media_type}; charset=utf-8"


@pytest.mark.parametrize("path", ["/gadget/", "/gadget/__init__.py", "/gadget/../main.py"])
def test_nothing_else_is_served(http: httpx.Client, path: str) -> None:
    assert http.get(path).status_code == 404


def test_listed_in_the_openapi_document(http: httpx.Client) -> None:
    paths = http.get("/openapi.json").json()["paths"]
    assert (
        "text/javascript"
        in paths["/gadget/outreach-helper.js"]["get"]["responses"]["200"]["content"]
    )
    assert "text/css" in paths["/gadget/outreach-helper.css"]["get"]["responses"]["200"]["content"]


def test_the_home_page_explains_installing_the_gadget(http: httpx.Client) -> None:
    page = http.get("/").text
    assert 'href="gadget/outreach-helper.js"' in page
    assert 'href="gadget/outreach-helper.css"' in page
    assert html.escape(gadget.definition()) in page  # the line the README's steps give
    assert "outreach-helper demo" in page
