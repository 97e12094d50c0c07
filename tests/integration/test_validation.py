"""Every parameter validated before anything is fetched, with a clear problem."""

from __future__ import annotations

import httpx
import pytest

from tests.fakedash.server import FakeDashboard


@pytest.mark.parametrize("value", ["true", "1", "false", "0"])
async def test_booleans_are_true_false_1_0(client: httpx.AsyncClient, value: str) -> None:
    response = await client.get(f"/api/users/Ada_Example?enrich={value}")
    assert response.status_code == 200
    enriched = "staff" in response.json()["courses"][0]
    assert enriched is (value in ("true", "1"))


@pytest.mark.parametrize(
    "path",
    ["/api/users/Ada_Example?enrich=yes", "/api/users/Ada_Example?enrich=",
     "/api/users/Ada_Example/active-staff?use_event_dates=maybe"],
)  # fmt: skip
async def test_other_boolean_spellings_are_422(
    client: httpx.AsyncClient, fake: FakeDashboard, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 422
    problem = response.json()
    assert problem["title"] == "Invalid input"
    assert "'true', 'false', '1' or '0'" in problem["detail"]
    assert fake.total == 0


async def test_unknown_query_parameters_are_ignored(client: httpx.AsyncClient) -> None:
    for path in ("/api/users/Ada_Example?callback=x&_=12345",
                 "/api/users/Ada_Example/status?format=json",
                 "/api/users?usernames=Ada_Example&origin=*"):  # fmt: skip
        assert (await client.get(path)).status_code == 200, path


@pytest.mark.parametrize(
    "path",
    ["/api/users/Ada%2Fstatus", "/api/users/Ada%2fstatus", "/api/users/A%5Cb",
     "/api/courses/x%2Fy/users", "/api/courses/x%2Fy/z", "/api/courses/x/y%2Fz"],
)  # fmt: skip
async def test_an_encoded_slash_never_changes_the_route(
    client: httpx.AsyncClient, fake: FakeDashboard, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code in (400, 404), response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert fake.total == 0


async def test_an_encoded_slash_in_a_username_is_a_400(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/users/Ada%2Fstatus")
    assert response.status_code == 400
    assert "'/'" in response.json()["detail"]


@pytest.mark.parametrize("path", ["/api/courses/x//users", "/api/courses//y", "/api/users//status"])
async def test_empty_segments_never_reach_the_dashboard(
    client: httpx.AsyncClient, fake: FakeDashboard, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code in (400, 404)
    assert response.headers["content-type"] == "application/problem+json"
    assert fake.total == 0
