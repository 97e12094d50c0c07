"""`GET /api/users?usernames=A|B|C`: many names, one store round trip for the users."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

from outreach_helper.api.models import BatchAnswer
from tests.fakedash import dataset as d
from tests.fakedash.server import FakeDashboard
from tests.servers import AppServer

EXTRA = [f"Batch Reader {n:02d}" for n in range(1, 41)]


@pytest.fixture
def fifty_users(fake: FakeDashboard) -> Iterator[list[str]]:
    """50 known users: the 10 named fixture users plus 40 copies of Ten Courses, each with
    an upload of their own (which says whose record it is: they are on no roster)."""
    for name in EXTRA:
        payload = copy.deepcopy(fake.dataset.users[d.TEN])
        payload["user_recent_uploads"] = [{"id": 1, "file_name": "f.jpg", "uploader": name}]
        fake.set_user(name, payload)
    named = [d.ADA, d.ZOE, d.OBRIEN, d.CHIDI, d.NGOZI, d.ELODIE, d.MARC, d.ANA, d.STAFFER,
             d.NOBODY]  # fmt: skip
    yield named + EXTRA
    for name in EXTRA:
        fake.set_user(name, None)


def count_store_calls(app: AppServer) -> Counter:
    """Counts the engine's reads from its store, from now on (not the memory store's own
    `read` calls inside its `read_many`)."""
    store = app.app.state.upstreams.default.cache.store
    calls: Counter = Counter()
    read, read_many = store.read, store.read_many
    inside = []

    async def counted_read(key):
        if not inside:
            calls["read"] += 1
        return await read(key)

    async def counted_read_many(keys):
        calls["read_many"] += 1
        inside.append(1)
        try:
            return await read_many(keys)
        finally:
            inside.pop()

    store.read, store.read_many = counted_read, counted_read_many
    return calls


async def batch(http: httpx.AsyncClient, names: list[str]) -> dict:
    response = await http.get("/api/users", params={"usernames": "|".join(names)})
    assert response.status_code == 200, response.text
    return BatchAnswer.model_validate(response.json()).model_dump(by_alias=True, exclude_unset=True)


async def test_fifty_warm_names_one_round_trip_for_users_and_no_upstream_request(
    make_app, fake: FakeDashboard, store_kind: str, fifty_users: list[str]
) -> None:
    app = make_app(store_kind)
    async with httpx.AsyncClient(base_url=app.base_url) as http:
        cold = await batch(http, fifty_users)
        assert fake.counts["user_stats"] == 50
        fake.reset()
        calls = count_store_calls(app)
        warm = await batch(http, fifty_users)
    assert fake.total == 0
    # One MGET for the 50 users, one for all their distinct courses; no single read.
    assert calls == {"read_many": 2}
    assert warm == cold
    assert [u["username"] for u in warm["users"]] == fifty_users
    assert {u["status"] for u in warm["users"]} == {200}


async def test_cold_names_are_fetched_once_each(
    client: httpx.AsyncClient, fake: FakeDashboard
) -> None:
    names = [d.ADA, "ada_Example", d.ZOE, "Ada Example ", d.MARC, d.ZOE.replace(" ", "_")]
    body = await batch(client, names)
    assert [u["username"] for u in body["users"]] == [d.ADA, d.ZOE, d.MARC]
    assert fake.counts["user_stats"] == 3
    # Their distinct courses: ACTIVE, TRACKING (Ada, Zoë), UNDATED, ENDED (Marc): once each;
    # Ada and Zoë are confirmed by their uploads, Marc by one roster (UNDATED's, 3 people).
    assert fake.counts["course"] == 4
    assert [r.target for r in fake.requests_for("users")] == [d.SLUG_UNDATED]
    ada = body["users"][0]["result"]
    assert ada["course_count"] == 2 and ada["active_event_count"] == 1
    assert body["normalized"] == [
        {"from": "ada_Example", "to": d.ADA},
        {"from": "Ada Example ", "to": d.ADA},
        {"from": d.ZOE.replace(" ", "_"), "to": d.ZOE},
    ]


async def test_each_name_has_its_own_status(client: httpx.AsyncClient, fake: FakeDashboard) -> None:
    await client.get("/api/users/Ada_Example/status")  # Ada is cached
    fake.fail_mode, fake.fail_endpoints = "500", {"user_stats"}
    body = await batch(client, [d.ADA, d.NGOZI, "A<b", d.UNKNOWN_USER, "x" * 300])
    by_name = {u["username"]: u for u in body["users"]}
    assert by_name[d.ADA]["status"] == 200 and by_name[d.ADA]["problem"] is None
    assert by_name[d.NGOZI]["status"] == 502
    assert by_name[d.NGOZI]["result"] is None
    assert by_name[d.NGOZI]["problem"]["status"] == 502
    assert by_name[d.UNKNOWN_USER]["status"] == 502  # not known to be missing: failed
    assert by_name["A<b"]["status"] == 400 and "forbids" in by_name["A<b"]["problem"]["detail"]
    assert by_name["x" * 300]["status"] == 400
    assert [u["username"] for u in body["users"]][-2:] == ["A<b", "x" * 300]


async def test_unknown_users_are_404_items(client: httpx.AsyncClient) -> None:
    body = await batch(client, [d.UNKNOWN_USER, d.NOBODY])
    unknown, nobody = body["users"]
    assert unknown["status"] == 404 and unknown["problem"]["title"] == "Not found"
    assert nobody["status"] == 200 and nobody["result"]["has_any_courses"] is False


@pytest.mark.parametrize(
    ("query", "fragment"),
    [("", "usernames"), ("?usernames=" + "|".join(f"U{n}" for n in range(51)), "pattern")],
)
async def test_a_missing_or_too_long_list_is_a_422_problem(
    client: httpx.AsyncClient, fake: FakeDashboard, query: str, fragment: str
) -> None:
    response = await client.get(f"/api/users{query}")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert fragment in response.json()["detail"]
    assert fake.total == 0


@pytest.mark.parametrize("query", ["?usernames=", "?usernames=||", "?usernames=%20|"])
async def test_an_empty_list_is_an_empty_answer(
    client: httpx.AsyncClient, fake: FakeDashboard, query: str
) -> None:
    response = await client.get(f"/api/users{query}")
    assert response.status_code == 200
    assert response.json() == {"users": [], "normalized": []}
    assert fake.total == 0


async def test_fifty_names_with_duplicates_and_empty_items_are_fine(
    client: httpx.AsyncClient,
) -> None:
    names = [d.ADA] * 49
    body = await batch(client, names + [""])
    assert [u["username"] for u in body["users"]] == [d.ADA]
