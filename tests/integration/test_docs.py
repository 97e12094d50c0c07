"""The OpenAPI document describes everything, with examples; `/` is a page for people."""

from __future__ import annotations

import httpx
import pytest

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
    # Its example links work.
    links = ("api/users/Ada_Example", "api/users/Ada_Example/status", "health",
             "api/users/Ada_Example/active-staff?use_event_dates=true", "openapi.json")  # fmt: skip
    for link in links:
        assert (await client.get("/" + link)).status_code == 200, link
