"""CORS as a gadget on a wiki page sees it: readable answers and errors, no credentials."""

from __future__ import annotations

import httpx
import pytest

from tests.fakedash.server import FakeDashboard
from tests.servers import AppServer

WIKI = {"Origin": "https://en.wikipedia.org"}
EXPOSED = {"etag", "age", "cache-status", "retry-after"}


def assert_readable_cross_origin(response: httpx.Response) -> None:
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers
    exposed = {
        h.strip().lower() for h in response.headers["access-control-expose-headers"].split(",")
    }
    assert exposed >= EXPOSED


async def test_cross_origin_get(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/users/Ada_Example/status", headers=WIKI)
    assert response.status_code == 200
    assert_readable_cross_origin(response)


@pytest.mark.parametrize("path", ["/api/users/Ada_Example/status", "/api/users?usernames=A",
                                  "/api/courses/a/b", "/nowhere"])  # fmt: skip
async def test_preflight_allows_api_user_agent_without_credentials(
    client: httpx.AsyncClient, fake: FakeDashboard, path: str
) -> None:
    response = await client.options(
        path,
        headers={**WIKI, "Access-Control-Request-Method": "GET",
                 "Access-Control-Request-Headers": "api-user-agent"},
    )  # fmt: skip
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers
    methods = {m.strip() for m in response.headers["access-control-allow-methods"].split(",")}
    assert methods == {"GET", "HEAD", "OPTIONS"}
    allowed = {
        h.strip().lower() for h in response.headers["access-control-allow-headers"].split(",")
    }
    assert "api-user-agent" in allowed
    assert int(response.headers["access-control-max-age"]) > 0
    assert fake.total == 0


@pytest.mark.parametrize(
    ("path", "status"),
    [("/api/users/A%3Cb", 400), ("/api/users/Does_Not_Exist", 404), ("/nowhere", 404),
     ("/api/users/Ada_Example?enrich=yes", 422), ("/api/users", 422)],
)  # fmt: skip
async def test_errors_are_readable_cross_origin(
    client: httpx.AsyncClient, path: str, status: int
) -> None:
    response = await client.get(path, headers=WIKI)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert_readable_cross_origin(response)


async def test_upstream_failure_and_wrong_method_are_readable_cross_origin(
    client: httpx.AsyncClient, fake: FakeDashboard
) -> None:
    fake.fail_mode = "503"
    failed = await client.get("/api/users/Ngozi_Placeholder", headers=WIKI)
    assert failed.status_code == 503
    assert_readable_cross_origin(failed)
    posted = await client.post("/api/users/Ada_Example", headers=WIKI)
    assert posted.status_code == 405
    assert_readable_cross_origin(posted)


async def test_an_unexpected_error_is_a_readable_500(make_app, store_kind: str) -> None:
    app: AppServer = make_app(store_kind)

    async def broken(username: str) -> None:
        raise RuntimeError("a bug")

    app.app.state.service.status = broken
    async with httpx.AsyncClient(base_url=app.base_url) as http:
        response = await http.get("/api/users/Ada_Example/status", headers=WIKI)
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "a bug" not in response.text
    assert_readable_cross_origin(response)
