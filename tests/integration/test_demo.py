"""`outreach-helper demo`: the service over built-in data, and the demo wiki beside it."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI

from outreach_helper import gadget
from outreach_helper.cli import build_parser
from outreach_helper.dashboard.outcomes import Found, NotFound
from outreach_helper.demo import dataset as ds
from outreach_helper.demo import wikiedu as we
from outreach_helper.demo.app import create_demo_app
from outreach_helper.demo.upstream import routed_transport


@pytest.fixture
async def demo_app() -> AsyncIterator[FastAPI]:
    app = create_demo_app()
    async with app.router.lifespan_context(app):  # what uvicorn runs around the app
        yield app


@pytest.fixture
async def demo(demo_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=demo_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def get_json(client: httpx.AsyncClient, path: str) -> dict:
    response = await client.get(path)
    assert response.status_code == 200, response.text
    return response.json()


async def test_the_service_answers_from_the_sample_data(demo: httpx.AsyncClient) -> None:
    assert (await get_json(demo, "/api/users/Ada_Example/status"))["has_active_event"] is True
    nobody = await get_json(demo, "/api/users/Nobody_Enrolled/status")
    assert nobody["has_any_courses"] is False
    assert (await demo.get("/api/users/Does_Not_Exist/status")).status_code == 404
    past = await get_json(demo, "/api/users/Past_Participant?enrich=true")
    assert [course["course_slug"] for course in past["courses"]] == [ds.SLUG_ENDED]
    assert past["courses"][0]["active"] is False and past["courses"][0]["staff"] == [ds.CHIDI]
    staff = await get_json(demo, "/api/users/Ada_Example/active-staff")
    assert staff["all_staff"] == sorted([ds.ADA, ds.CHIDI, ds.ELODIE])
    school, title = ds.SLUG_PRIVATE.split("/")  # a private course stays hidden, as upstream
    assert (await demo.get(f"/api/courses/{school}/{title}")).status_code == 404


async def test_it_needs_no_redis_and_no_dashboard(demo_app: FastAPI) -> None:
    assert demo_app.state.store.name == "memory"
    assert demo_app.state.settings.outreach_base_url.endswith(".invalid")  # never resolvable
    configs = demo_app.state.settings.dashboard_configs
    assert [c.name for c in configs] == ["outreach", "wikiedu"]  # outreach the default
    assert all(c.base_url.startswith("http://") and c.base_url.endswith(".invalid")
               for c in configs)  # fmt: skip


async def test_each_dashboard_answers_from_its_own_world(demo_app: FastAPI) -> None:
    upstreams = demo_app.state.upstreams
    outreach, wikiedu = upstreams.get("outreach").client, upstreams.get("wikiedu").client
    student = await wikiedu.user_stats(we.STUDENT)
    assert isinstance(student, Found)
    assert [c["course_slug"] for c in student.data["courses"]] == [we.SLUG_CLASSROOM]
    assert isinstance(await outreach.user_stats(we.STUDENT), NotFound)
    assert isinstance(await wikiedu.user_stats(ds.ADA), NotFound)
    for client, slug in ((outreach, ds.SLUG_ACTIVE), (wikiedu, we.SLUG_CLASSROOM)):
        zoe = await client.user_stats(ds.ZOE)  # on both
        assert isinstance(zoe, Found) and zoe.data["courses"][0]["course_slug"] == slug
    school, title = we.SLUG_CLASSROOM.split("/")
    course = await wikiedu.course(school, title)
    assert isinstance(course, Found) and course.data["type"] == "ClassroomProgramCourse"


async def test_the_default_dashboard_answers_as_before(demo: httpx.AsyncClient) -> None:
    # No dashboard= : the Outreach world, where the Wiki Education student is unknown.
    assert (await demo.get(f"/api/users/{we.STUDENT.replace(' ', '_')}/status")).status_code == 404
    zoe = await get_json(demo, "/api/users/Zo%C3%AB_M%C3%BCller?enrich=true")
    assert [c["course_slug"] for c in zoe["courses"]] == [ds.SLUG_ACTIVE]


async def test_the_transport_routes_by_host() -> None:
    transport = routed_transport({"a.invalid": ds.build_dataset(),
                                  "b.invalid": we.build_wikiedu_dataset()})  # fmt: skip
    async with httpx.AsyncClient(transport=transport) as client:
        path = f"/user_stats.json?username={quote(we.STUDENT)}"
        assert (await client.get(f"http://a.invalid{path}")).status_code == 404
        assert (await client.get(f"http://B.invalid{path}")).status_code == 200
        with pytest.raises(httpx.ConnectError):
            await client.get(f"http://c.invalid{path}")


async def test_the_index_links_every_demo_page(demo: httpx.AsyncClient) -> None:
    response = await demo.get("/demo/")
    assert response.status_code == 200
    for title in ("User:Ada_Example", "User:Past_Participant", "User:Nobody_Enrolled", "Lagos",
                  "User:Priya_Natarajan", "User:Zo%C3%AB_M%C3%BCller"):  # fmt: skip
        assert f'href="/demo/wiki/{title}"' in response.text


async def test_a_page_carries_its_config_and_loads_the_gadget(demo: httpx.AsyncClient) -> None:
    html = (await demo.get("/demo/wiki/User:Ada_Example/Sandbox?uselang=fr")).text
    config = re.search(r"mw\.config\.set\((.*?)\);</script>", html).group(1)
    assert '"wgRelevantUserName": "Ada Example"' in config
    assert '"wgUserLanguage": "fr"' in config
    assert '"wgArticlePath": "/demo/wiki/$1"' in config
    assert 'apiBase: "http://testserver"' in html  # the service, on the same origin
    assert 'dashboards: ["outreach", "wikiedu"]' in html  # both, in the gadget's settings
    for src in ("/demo/static/mw.js", "/demo/gadget/outreach-helper.js"):
        assert f'<script src="{src}">' in html
    assert '<link rel="stylesheet" href="/demo/gadget/outreach-helper.css">' in html


async def test_titles_cannot_inject_markup(demo: httpx.AsyncClient) -> None:
    html = (await demo.get("/demo/wiki/User:</script><script>alert(1)</script>")).text
    assert "<script>alert(1)" not in html
    assert "\\u003c/script\\u003e" in html  # escaped inside the config JSON


async def test_assets_are_served_fresh(demo: httpx.AsyncClient) -> None:
    script = await demo.get("/demo/gadget/outreach-helper.js")
    assert script.content == gadget.read("outreach-helper.js")
    assert script.headers["content-type"] == "text/javascript; charset=utf-8"
    assert script.headers["cache-control"] == "no-cache"
    for path, media_type in [("/demo/static/mw.js", "text/javascript"),
                             ("/demo/static/demo.css", "text/css")]:  # fmt: skip
        assert (await demo.get(path)).headers["content-type"].startswith(media_type)
    for path in ("/demo/static/site.py", "/demo/gadget/__init__.py"):
        assert (await demo.get(path)).status_code == 404


def test_the_command_line_has_a_demo_command() -> None:
    args = build_parser().parse_args(["demo", "--port", "8123"])
    assert args.port == 8123 and args.host == "127.0.0.1"
    assert args.handler.__name__ == "_demo"
