"""Request size limits over real HTTP: a request target over 8 KiB gets 414, a header
block over 16 KiB gets 431, as problem details with CORS headers, before any routing or
upstream work, both from the test server and from `serve --workers 2` (the CLI's uvicorn)."""

from __future__ import annotations

import http.client
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from outreach_helper.api.limits import MAX_HEADER_BYTES, MAX_TARGET_BYTES
from outreach_helper.api.observe import LOGGED_PATH_MAX
from tests.fakedash import dataset as d
from tests.fakedash.server import FakeDashboard
from tests.servers import AppServer, RedisServer
from tests.workers import Workers

USER_PATH = f"/api/users/{d.ADA.replace(' ', '_')}"


def target_of(path: str, size: int) -> str:
    """`path` with an ignored query parameter padding the request target to `size` bytes."""
    head = f"{path}?pad="
    return head + "x" * (size - len(head))


def header_block(request: httpx.Request) -> int:
    return sum(len(name) + len(value) + 4 for name, value in request.headers.raw)


def with_header_block(client: httpx.Client, path: str, size: int) -> httpx.Request:
    """A GET of `path` whose header block, as sent, is exactly `size` bytes."""
    request = client.build_request("GET", path, headers={"X-Pad": ""})
    missing = size - header_block(request)
    assert missing >= 0
    request.headers["X-Pad"] = "p" * missing
    assert header_block(request) == size
    return request


def sixty_kb_query() -> str:
    """A batch request for 5000 names: a query string of about 65 KB (over httpx's own URL
    limit, so it goes out through http.client)."""
    query = "usernames=" + "|".join(f"Reader_{n:05d}" for n in range(5000))
    assert len(query) > 60_000
    return f"/api/users?{query}"


def raw_get(base_url: str, target: str) -> httpx.Response:
    """GET `target` as given, byte for byte, as an httpx.Response for the assertions."""
    connection = http.client.HTTPConnection(urlsplit(base_url).netloc, timeout=10)
    try:
        connection.request("GET", target)
        answer = connection.getresponse()
        return httpx.Response(answer.status, headers=answer.getheaders(), content=answer.read())
    finally:
        connection.close()


def assert_refused(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["access-control-allow-origin"] == "*"
    problem = response.json()
    assert problem["status"] == status
    assert problem["type"] == "about:blank"
    assert problem["title"] == {414: "URI Too Long", 431: "Request Header Fields Too Large"}[status]
    assert problem["detail"]


@pytest.fixture
def server(make_app: Callable[..., AppServer]) -> AppServer:
    return make_app("memory")


@pytest.fixture
def client(server: AppServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=10) as client:
        yield client


def test_a_target_of_exactly_8_kib_is_answered_one_byte_more_is_414(
    client: httpx.Client, fake: FakeDashboard
) -> None:
    answered = client.get(target_of(USER_PATH, MAX_TARGET_BYTES))
    assert answered.status_code == 200
    assert fake.counts["user_stats"] == 1

    fake.reset()
    assert_refused(client.get(target_of(USER_PATH, MAX_TARGET_BYTES + 1)), 414)
    assert fake.total == 0


def test_a_long_path_without_query_is_414_before_routing(
    client: httpx.Client, fake: FakeDashboard
) -> None:
    path = "/api/users/"
    long_path = path + "A" * (MAX_TARGET_BYTES + 1 - len(path))
    assert_refused(client.get(long_path), 414)
    # Even a preflight, which the CORS middleware would answer itself, and a HEAD.
    assert_refused(client.options(long_path), 414)
    assert client.head(long_path).status_code == 414
    # One byte shorter it reaches the route (which rejects the name on its own terms).
    assert client.get(long_path[:-1]).status_code != 414
    assert fake.total == 0


def test_a_refused_long_path_is_logged_cut(
    client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    long_path = "/api/users/" + "A" * MAX_TARGET_BYTES

    def paths_logged() -> list[str]:
        records = [r.msg for r in caplog.records if isinstance(r.msg, dict)]
        return [record["path"] for record in records if "path" in record]

    with caplog.at_level(logging.INFO, logger="outreach_helper.access"):
        assert client.get(long_path).status_code == 414
        # The line is written once the answer is sent, in the server's thread.
        deadline = time.monotonic() + 5
        while not paths_logged() and time.monotonic() < deadline:
            time.sleep(0.01)
    assert paths_logged(), "the request was not logged"
    assert paths_logged()[-1] == f"{long_path[:LOGGED_PATH_MAX]}... ({len(long_path)} characters)"


def test_a_60_kb_query_string_is_414(server: AppServer, fake: FakeDashboard) -> None:
    assert_refused(raw_get(server.base_url, sixty_kb_query()), 414)
    assert fake.total == 0


def test_headers_of_exactly_16_kib_are_answered_one_byte_more_is_431(
    client: httpx.Client, fake: FakeDashboard
) -> None:
    answered = client.send(with_header_block(client, USER_PATH, MAX_HEADER_BYTES))
    assert answered.status_code == 200
    fake.reset()
    assert_refused(client.send(with_header_block(client, USER_PATH, MAX_HEADER_BYTES + 1)), 431)
    assert fake.total == 0


def test_a_20_kib_header_block_reaches_the_app_and_is_431_not_a_bare_400(
    client: httpx.Client, fake: FakeDashboard
) -> None:
    assert_refused(client.send(with_header_block(client, USER_PATH, 20 * 1024)), 431)
    assert fake.total == 0


def test_every_route_documents_414_and_431(client: httpx.Client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    operations = [op for item in paths.values() for op in item.values()]
    assert len(operations) >= 8
    for operation in operations:
        assert {"414", "431"} <= set(operation["responses"]), operation["summary"]


@pytest.fixture(scope="module")
def served(fake_server: FakeDashboard, redis_server: RedisServer) -> Iterator[Workers]:
    """The CLI's `serve --workers 2`, whose uvicorn must pass large heads to the app."""
    env = {
        "OUTREACH_BASE_URL": fake_server.base_url,
        "REDIS_URL": redis_server.url,
        "REDIS_KEY_PREFIX": f"limits-{uuid.uuid4().hex}:",
        "LOG_LEVEL": "WARNING",
    }
    with Workers(env, workers=2) as workers:
        yield workers


def test_serve_refuses_oversized_requests_with_problem_details(
    served: Workers, fake: FakeDashboard
) -> None:
    with httpx.Client(base_url=served.base_url, timeout=10) as client:
        assert_refused(raw_get(served.base_url, sixty_kb_query()), 414)
        assert_refused(client.send(with_header_block(client, USER_PATH, 20 * 1024)), 431)
        assert_refused(client.get(target_of(USER_PATH, MAX_TARGET_BYTES + 1)), 414)
        assert client.get(target_of(USER_PATH, MAX_TARGET_BYTES)).status_code == 200
    assert fake.counts["user_stats"] == 1
