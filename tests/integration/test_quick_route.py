"""QuickRoute: gadget requests skip FastAPI's parameter solving and answer exactly the same."""

from __future__ import annotations

from typing import Literal

import fastapi.routing
import httpx
import pytest
from fastapi import APIRouter, FastAPI, Query
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from outreach_helper.api import courses, health, participants, users
from outreach_helper.api.routing import QuickRoute, literal_choices, quick_defaults

# Headers that differ between any two answers (time, the request's own duration).
VOLATILE = {"date", "age", "server-timing", "content-length"}


def _routes(router: APIRouter) -> dict[str, object]:
    return {route.path: route for route in router.routes}  # type: ignore[attr-defined]


def test_the_gadget_routes_are_quick_and_the_others_are_not() -> None:
    user_routes = _routes(users.router)
    user = user_routes["/api/users/{username}"]
    assert quick_defaults(user) == {"enrich": None}
    assert literal_choices(user) == {"enrich": ("enrich", frozenset({"true", "false", "1", "0"}))}
    assert quick_defaults(user_routes["/api/users/{username}/status"]) == {}
    assert quick_defaults(_routes(courses.router)["/api/courses/{school}/{title_slug}"]) == {}
    # A required query parameter (the batch's usernames) needs FastAPI's validation.
    assert quick_defaults(user_routes["/api/users"]) is None
    # The gadget's list marks: the endpoint reads and checks `usernames` itself.
    assert quick_defaults(_routes(participants.router)["/api/participants"]) == {}
    assert literal_choices(_routes(participants.router)["/api/participants"]) == {}
    # /health returns a model that FastAPI serialises.
    assert quick_defaults(_routes(health.router)["/health"]) is None


@pytest.mark.parametrize(
    ("bare", "explicit"),
    [("/api/users/Ada_Example", "/api/users/Ada_Example?enrich=false"),
     ("/api/users/Ada_Example/active-staff",
      "/api/users/Ada_Example/active-staff?use_event_dates=0"),
     ("/api/users/Ada_Example/status", "/api/users/Ada_Example/status?format=json"),
     ("/api/users/Does_Not_Exist_Here", "/api/users/Does_Not_Exist_Here?enrich=0&_=1"),
     ("/api/users/Ada%7Cx", "/api/users/Ada%7Cx?enrich=0")],
)  # fmt: skip
async def test_a_default_spelled_out_answers_as_the_bare_path(
    client: httpx.AsyncClient, bare: str, explicit: str
) -> None:
    await client.get(explicit)  # warm, so both answers come from the same entry
    full = await client.get(explicit)
    quick = await client.get(bare)
    assert quick.status_code == full.status_code
    assert quick.content == full.content
    strip = lambda r: {k: v for k, v in r.headers.items() if k not in VOLATILE}  # noqa: E731
    assert strip(quick) == strip(full)


class Answer(BaseModel):
    value: int


async def plain(request: Request, name: str, on: Literal["yes", "no"] | None = None) -> Response:
    return PlainTextResponse(f"{name}:{on}:{request.url.path.split('/', 2)[2]}")


async def loose(name: str, text: str | None = Query(None)) -> Response:
    return PlainTextResponse(f"{name}:{text}")


async def number(number: int) -> Response:
    return PlainTextResponse(str(number + 1))


async def model() -> Answer:
    return Answer(value=1)


def _app() -> FastAPI:
    """The same endpoints twice: under /q on QuickRoute, under /f on FastAPI's APIRoute."""
    app = FastAPI()
    for prefix, route_class in (("/q", QuickRoute), ("/f", APIRoute)):
        router = APIRouter(prefix=prefix, route_class=route_class)
        router.add_api_route("/plain/{name}", plain)
        router.add_api_route("/loose/{name}", loose)
        router.add_api_route("/number/{number}", number)
        router.add_api_route("/model", model)
        app.include_router(router)
    return app


@pytest.mark.parametrize(
    ("path", "solved"),
    [("/plain/a%20b", False), ("/plain/a?on=yes", False), ("/plain/a?on=no&x=1", False),
     ("/plain/a?on=yes&on=no", False), ("/plain/a?on=maybe", True), ("/plain/a?on=", True),
     ("/loose/a", False), ("/loose/a?text=hi", True), ("/number/41", True),
     ("/number/abc", True), ("/model", True)],
)  # fmt: skip
def test_quick_answers_equal_fastapis(
    monkeypatch: pytest.MonkeyPatch, path: str, solved: bool
) -> None:
    calls: list[str] = []
    original = fastapi.routing.solve_dependencies

    async def counting(*args, **kwargs):
        calls.append(kwargs["request"].url.path)
        return await original(*args, **kwargs)

    monkeypatch.setattr(fastapi.routing, "solve_dependencies", counting)
    with TestClient(_app()) as client:
        quick = client.get(f"/q{path}")
        assert bool(calls) is solved, calls
        full = client.get(f"/f{path}")
        assert (quick.status_code, quick.content) == (full.status_code, full.content)
