"""Browser and proxy caching: ETag and 304, Cache-Control from the entry's state and the
next window boundary, Age, Cache-Status, gzip, HEAD."""

from __future__ import annotations

import gzip
import re
from datetime import datetime
from urllib.parse import quote

import httpx
import pytest

from tests.fakedash import dataset as d
from tests.fakedash.server import FakeDashboard
from tests.integration.test_api import course_url

CACHED_ROUTES = [
    "/api/users/Ada_Example",
    "/api/users/Ada_Example?enrich=true",
    "/api/users/Ada_Example/status",
    "/api/users/Ada_Example/active-staff",
    "/api/users/Ada_Example/active-staff?use_event_dates=1",
    "/api/users?usernames=Ada_Example|Zoë_Müller|Does_Not_Exist",
    course_url(d.SLUG_ACTIVE),
    course_url(d.SLUG_ACTIVE, "/users"),
]


def directives(response: httpx.Response) -> dict[str, int | None]:
    """Cache-Control as {directive: seconds or None}."""
    result: dict[str, int | None] = {}
    for part in response.headers["cache-control"].split(","):
        name, _, value = part.strip().partition("=")
        result[name] = int(value) if value else None
    return result


def seconds_until(iso: str, clock_now: float) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() - clock_now


@pytest.mark.parametrize("path", CACHED_ROUTES)
async def test_repeat_with_the_etag_is_304_without_a_body(
    client: httpx.AsyncClient, path: str
) -> None:
    first = await client.get(path)
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert re.fullmatch(r'W/"[A-Za-z0-9_-]+"', etag)
    again = await client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    for name in ("cache-control", "age", "cache-status", "access-control-allow-origin"):
        assert name in again.headers, name
    assert "content-type" not in again.headers
    # Lists, `*` and a strong spelling of the same tag match too; another tag does not.
    for header in (f'"x", {etag}', "*", etag.removeprefix("W/")):
        assert (await client.get(path, headers={"If-None-Match": header})).status_code == 304
    other = await client.get(path, headers={"If-None-Match": 'W/"something-else"'})
    assert other.status_code == 200 and other.content == first.content


async def test_same_body_same_etag_and_different_bodies_differ(client: httpx.AsyncClient) -> None:
    ada = await client.get("/api/users/Ada_Example")
    ada_again = await client.get("/api/users/ada_Example")
    zoe = await client.get(f"/api/users/{quote(d.ZOE)}")
    assert ada.headers["etag"] == ada_again.headers["etag"] != zoe.headers["etag"]


async def test_fresh_miss_then_hit_headers(make_app, store_kind: str) -> None:
    app = make_app(store_kind)
    async with httpx.AsyncClient(base_url=app.base_url) as http:
        miss = await http.get("/api/users/Ada_Example")
        assert miss.headers["cache-status"] == "outreach-helper; fwd=miss; stored"
        assert miss.headers["age"] == "0"
        assert directives(miss) == {"public": None, "max-age": pytest.approx(3600, abs=2),
                                    "stale-while-revalidate": pytest.approx(86400, abs=2),
                                    "stale-if-error": pytest.approx(604800, abs=2)}  # fmt: skip
        app.clock.advance(600)
        hit = await http.get("/api/users/Ada_Example")
        assert hit.headers["cache-status"] == "outreach-helper; hit"
        assert int(hit.headers["age"]) == pytest.approx(600, abs=2)
        assert directives(hit)["max-age"] == pytest.approx(3000, abs=2)
        assert hit.headers["etag"] == miss.headers["etag"]


async def test_stale_and_stale_if_error_headers(
    make_app, fake: FakeDashboard, store_kind: str
) -> None:
    app = make_app(store_kind)
    async with httpx.AsyncClient(base_url=app.base_url) as http:
        await http.get("/api/users/Ada_Example")
        app.clock.advance(3600 + 400)
        fake.fail_mode = "500"  # the background refresh fails: the entry stays stale
        stale = await http.get("/api/users/Ada_Example")
        assert stale.headers["cache-status"] == "outreach-helper; hit; fwd=stale"
        cache = directives(stale)
        assert cache["max-age"] == 0
        assert cache["stale-while-revalidate"] == pytest.approx(86400 - 400, abs=2)
        assert cache["stale-if-error"] == pytest.approx(604800 - 400, abs=2)
        app.clock.advance(86400)  # past stale-while-revalidate: a foreground fetch, failing
        served = await http.get("/api/users/Ada_Example")
        assert served.status_code == 200
        assert served.headers["cache-status"].endswith("detail=stale-if-error")
        assert directives(served)["max-age"] == 0
        assert int(served.headers["age"]) >= 3600 + 400 + 86400


async def test_answers_with_activity_flags_expire_at_the_next_boundary(
    make_app, fake: FakeDashboard, store_kind: str
) -> None:
    # Long TTLs, so that the window boundary is what limits the browser's copy.
    app = make_app(store_kind, course_cache_ttl=30 * 86400, user_cache_ttl=30 * 86400)
    event_end = fake.dataset.course(d.SLUG_ACTIVE)["timeline_end"]  # about now + 1 day
    async with httpx.AsyncClient(base_url=app.base_url) as http:
        for path in (course_url(d.SLUG_ACTIVE), "/api/users/Ada_Example/status",
                     "/api/users/Ada_Example?enrich=true",
                     "/api/users/Ada_Example/active-staff?use_event_dates=true",
                     "/api/users?usernames=Ada_Example"):  # fmt: skip
            response = await http.get(path)
            cache = directives(response)
            horizon = seconds_until(event_end, app.clock())
            assert cache["max-age"] <= horizon + 1, path
            assert cache["max-age"] + cache["stale-while-revalidate"] <= horizon + 1, path
            assert cache["max-age"] + cache["stale-if-error"] <= horizon + 1, path
        # Without activity flags, the whole freshness is given.
        plain = await http.get("/api/users/Ada_Example")
        assert directives(plain)["max-age"] == pytest.approx(30 * 86400, abs=2)
        # Near the boundary the answer may be kept only until it.
        app.clock.advance(seconds_until(event_end, app.clock()) - 30)
        near = await http.get(course_url(d.SLUG_ACTIVE))
        assert 0 <= directives(near)["max-age"] <= 31
        assert near.json()["active_event"] is True
        app.clock.advance(60)
        after = await http.get(course_url(d.SLUG_ACTIVE))
        assert after.json()["active_event"] is False
        assert after.headers["etag"] != near.headers["etag"]


async def test_answer_with_an_unreadable_part_is_not_kept(
    client: httpx.AsyncClient, fake: FakeDashboard
) -> None:
    fake.fail_mode, fake.fail_endpoints = "500", {"course"}
    response = await client.get("/api/users/Ada_Example/status")
    assert response.status_code == 200
    assert directives(response)["max-age"] == 0


async def test_error_answers_say_how_long_to_keep_them(
    client: httpx.AsyncClient, fake: FakeDashboard
) -> None:
    missing = await client.get("/api/users/Does_Not_Exist")
    assert missing.status_code == 404
    assert 590 <= directives(missing)["max-age"] <= 600  # NOT_FOUND_CACHE_TTL
    invalid = await client.get("/api/users/A%7Cb")
    assert invalid.status_code == 400 and "max-age" in invalid.headers["cache-control"]
    fake.fail_mode = "500"
    failed = await client.get("/api/users/Ngozi_Placeholder")
    assert failed.status_code == 502
    assert failed.headers["cache-control"] == "no-store"


async def test_large_answers_are_gzipped_when_accepted(client: httpx.AsyncClient) -> None:
    path = f"/api/users/{quote(d.FORTY)}?enrich=true"
    plain = await client.get(path, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.headers["vary"] == "Accept-Encoding"
    zipped = await client.get(path, headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert int(zipped.headers["content-length"]) < len(plain.content) / 3
    assert zipped.json() == plain.json()
    assert zipped.headers["etag"] == plain.headers["etag"]
    refused = await client.get(path, headers={"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers
    # Small answers are not worth it.
    small = await client.get("/api/users/Ada_Example/status", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers and "vary" not in small.headers


async def test_gzip_body_is_valid_gzip(make_app, store_kind: str) -> None:
    app = make_app(store_kind)
    path = f"/api/users/{quote(d.FORTY)}?enrich=true"
    with httpx.Client(base_url=app.base_url) as http:
        with http.stream("GET", path, headers={"Accept-Encoding": "gzip"}) as response:
            raw = b"".join(response.iter_raw())
        plain = http.get(path, headers={"Accept-Encoding": "identity"}).content
    assert gzip.decompress(raw) == plain


@pytest.mark.parametrize("path", [*CACHED_ROUTES, "/api/users/Does_Not_Exist", "/health", "/"])
async def test_head_answers_like_get_without_a_body(client: httpx.AsyncClient, path: str) -> None:
    await client.get(path)  # warm, so that both are hits
    get = await client.get(path, headers={"Accept-Encoding": "identity"})
    head = await client.head(path, headers={"Accept-Encoding": "identity"})
    assert head.status_code == get.status_code
    assert head.content == b""
    for name in ("content-type", "content-length", "etag", "cache-status"):
        assert head.headers.get(name) == get.headers.get(name), name
