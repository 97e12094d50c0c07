"""The OpenAPI document describes everything, with examples; `/` is a page for people."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from urllib.parse import urljoin

import httpx
import pytest

from outreach_helper import gadget
from outreach_helper.demo.app import create_demo_app
from outreach_helper.main import create_app
from outreach_helper.settings import Settings

DOCUMENT = create_app(Settings(_env_file=None)).openapi()
OPERATIONS = [
    (path, method, operation)
    for path, item in DOCUMENT["paths"].items()
    for method, operation in item.items()
]
API_OPERATIONS = [op for op in OPERATIONS if op[0].startswith("/api/")]


def resolve(schema: dict) -> dict:
    ref = schema.get("$ref")
    return DOCUMENT["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else schema


def test_every_route_is_documented() -> None:
    paths = {(path, method) for path, method, _ in OPERATIONS}
    assert {("/api/users", "get"), ("/api/users/{username}", "get"),
            ("/api/users/{username}/status", "get"),
            ("/api/users/{username}/active-staff", "get"),
            ("/api/courses/{school}/{title_slug}", "get"),
            ("/api/courses/{school}/{title_slug}/users", "get"),
            ("/health", "get"), ("/", "get")} <= paths  # fmt: skip


@pytest.mark.parametrize(("path", "method", "operation"), OPERATIONS, ids=lambda v: str(v)[:40])
def test_every_operation_has_a_summary_and_described_answers(
    path: str, method: str, operation: dict
) -> None:
    assert operation.get("summary"), path
    for status, response in operation["responses"].items():
        assert response.get("description"), (path, status)


@pytest.mark.parametrize(("path", "method", "operation"), API_OPERATIONS, ids=lambda v: str(v)[:40])
def test_api_operations_document_parameters_answers_errors_and_examples(
    path: str, method: str, operation: dict
) -> None:
    assert operation.get("description"), path
    for parameter in operation.get("parameters", []):
        assert parameter.get("description"), (path, parameter["name"])
        schema = parameter.get("schema", {})
        assert parameter.get("example") or parameter.get("examples") or schema.get("examples"), (
            path,
            parameter["name"],
        )
    responses = operation["responses"]
    ok = resolve(responses["200"]["content"]["application/json"]["schema"])
    assert ok.get("examples"), path
    assert {"ETag", "Cache-Control", "Age", "Cache-Status"} <= set(responses["200"]["headers"])
    assert "304" in responses
    for status, response in responses.items():
        if status.startswith(("4", "5")):
            content = response["content"]["application/problem+json"]
            assert content["example"]["status"] == int(status), (path, status)


async def test_home_page_is_for_people(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    for needed in ("Outreach Dashboard Helper", 'href="api/users/Ada_Example/status"',
                   "credentials: 'omit'", "Api-User-Agent", "Source code", "MIT",
                   "No client IP addresses are stored or logged", 'href="docs"'):  # fmt: skip
        assert needed in page, needed


# --- `/` tells the truth: links, routes, the gadget -------------------------------------


class _Links(HTMLParser):
    """Each <a href> of a page with the text right after its </a>, where the page gives a
    status other than 200 ("... </a> (404)")."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[list[str]] = []  # [href, text after]
        self._after: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.links.append([dict(attrs)["href"] or "", ""])
            self._after = None
        elif self._after is not None:
            self._after = None  # only the text up to the next tag counts

    def handle_endtag(self, tag: str) -> None:
        self._after = self.links[-1] if tag == "a" else None

    def handle_data(self, data: str) -> None:
        if self._after is not None:
            self._after[1] += data


def page_links(page: str) -> list[tuple[str, int]]:
    """(href, documented status): 200 unless the page gives one beside the link."""
    parser = _Links()
    parser.feed(page)
    links = []
    for href, after in parser.links:
        given = re.match(r"\s*\((\d{3})\)", after)
        links.append((href, int(given.group(1)) if given else 200))
    return links


def route_pattern(path: str) -> re.Pattern[str]:
    """`/api/users/{username}` -> a pattern for its concrete paths."""
    parts = re.split(r"\{[^}]+\}", path)
    return re.compile("^" + "[^/]+".join(map(re.escape, parts)) + "$")


def page_text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.fixture
async def demo() -> AsyncIterator[httpx.AsyncClient]:
    """The `outreach-helper demo` app, in process: the data the example links name."""
    app = create_demo_app()
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://demo") as client:
            yield client


async def test_every_link_on_the_home_page_answers_as_documented(
    demo: httpx.AsyncClient,
) -> None:
    page = (await demo.get("/")).text
    links = page_links(page)
    local = [(href, status) for href, status in links if not href.startswith("https://")]
    assert len(local) >= 20, local  # the route table's examples were found
    assert {status for _, status in local} >= {200, 404}  # a documented error too
    for href, status in local:
        response = await demo.get(urljoin("http://demo/", href))
        assert response.status_code == status, (href, response.text[:200])
        if status != 200:
            assert response.headers["content-type"] == "application/problem+json"
    others = {href for href, _ in links if href.startswith("https://")}
    assert Settings(_env_file=None).source_url in others  # no internet here: not asked


async def test_every_route_and_query_parameter_is_on_the_home_page(
    demo: httpx.AsyncClient,
) -> None:
    text = page_text((await demo.get("/")).text)
    for path, _method, operation in OPERATIONS:
        named = re.search(rf"(?<![\w/.]){re.escape(path)}(?![\w/.{{-])", text)
        assert named, f"{path} is not on /"  # as a whole path: not /stats in /stats.json
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "query":
                assert f"{parameter['name']}=" in text, (path, parameter["name"])


async def test_every_route_has_an_example_link_on_the_home_page(
    demo: httpx.AsyncClient,
) -> None:
    """Each route of the document has a link that the demo answers by that route."""
    hrefs = [href for href, _ in page_links((await demo.get("/")).text)]
    patterns = {path: route_pattern(path) for path in DOCUMENT["paths"]}
    linked = {path for path, pattern in patterns.items()
              for href in hrefs if pattern.match("/" + href.split("?")[0])}  # fmt: skip
    missing = set(DOCUMENT["paths"]) - linked - {"/"}  # `/` is the page itself
    assert not missing, f"routes without an example link on /: {sorted(missing)}"


async def test_the_home_page_shows_the_gadget_as_it_is(demo: httpx.AsyncClient) -> None:
    page = (await demo.get("/")).text
    text = page_text(page)
    assert gadget.definition() in text  # the README's line: test_readme_facts holds them equal
    for wiki_page, _ in gadget.wiki_pages():
        assert wiki_page in text
    assert f"English and {len(gadget.translations())} translations" in text
    assert ", ".join(gadget.translations()) in text
    for today in ("beside the page title", "page indicator", "Recent changes", "watchlist",
                  "page histories", "New pages", "logs", "/api/participants", "facilitators",
                  "dialog"):  # fmt: skip
        assert today in text, today
    assert "Tools menu" not in text  # where the light was once
    for link in ('href="stats', 'href="health"'):
        assert link in page
