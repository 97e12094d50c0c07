"""The Dashboard client against the fake: retries, Retry-After, breaker, revalidation."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from outreach_helper.dashboard.client import DashboardClient, parse_retry_after
from outreach_helper.dashboard.outcomes import (
    CircuitOpen,
    FetchOptions,
    Found,
    NotModified,
    UpstreamBadResponse,
    UpstreamUnavailable,
    Validators,
)
from outreach_helper.settings import Settings
from tests.fakedash import dataset as d
from tests.fakedash.server import FakeDashboard

BACKGROUND = FetchOptions(background=True)


@pytest.fixture
async def make_client(
    make_settings: Callable[..., Settings],
) -> AsyncIterator[Callable[..., DashboardClient]]:
    clients: list[DashboardClient] = []

    def build(**overrides: object) -> DashboardClient:
        clients.append(DashboardClient(make_settings(**overrides)))
        return clients[-1]

    yield build
    for client in clients:
        await client.aclose()


def test_parse_retry_after() -> None:
    assert parse_retry_after("120", now=0) == 120
    assert parse_retry_after("Thu, 01 Jan 1970 00:01:00 GMT", now=20) == 40
    assert parse_retry_after("Thu, 01 Jan 1970 00:01:00 GMT", now=100) == 0
    for odd in (None, "", "soon", "-5", "1.5"):
        assert parse_retry_after(odd, now=0) is None


async def test_callers_who_wait_get_one_attempt(make_client, fake: FakeDashboard) -> None:
    client = make_client()
    fake.fail_mode = "500"
    with pytest.raises(UpstreamBadResponse):
        await client.user_stats(d.ADA)
    assert fake.counts["user_stats"] == 1


async def test_background_refreshes_make_three_attempts_honouring_retry_after(
    make_client, fake: FakeDashboard
) -> None:
    client = make_client()
    fake.fail_mode, fake.retry_after = "503", 1
    with pytest.raises(UpstreamUnavailable):
        await client.user_stats(d.ADA, BACKGROUND)
    requests = fake.requests_for("user_stats")
    assert len(requests) == 3
    gaps = [b.received_at - a.received_at for a, b in zip(requests, requests[1:], strict=False)]
    assert all(gap >= 0.9 for gap in gaps), gaps  # Retry-After: 1, not stamina's 0.5 s


async def test_a_long_retry_after_ends_the_refresh(make_client, fake: FakeDashboard) -> None:
    client = make_client()
    fake.fail_mode, fake.retry_after = "503", 300
    with pytest.raises(UpstreamUnavailable) as failed:
        await client.user_stats(d.ADA, BACKGROUND)
    assert failed.value.retry_after == 300
    assert fake.counts["user_stats"] == 1


async def test_a_retry_that_succeeds(make_client, fake: FakeDashboard) -> None:
    client = make_client()
    fake.fail_mode, fake.retry_after = "500", 1

    async def heal_after_first_request() -> None:
        await fake.wait_for_requests_async(1, "user_stats")
        fake.fail_mode = None

    healer = asyncio.create_task(heal_after_first_request())
    result = await client.user_stats(d.ADA, BACKGROUND)
    await healer
    assert isinstance(result, Found) and result.data["courses"]
    assert fake.counts["user_stats"] == 2


async def test_the_breaker_stops_calls_and_is_not_retried(make_client, fake: FakeDashboard) -> None:
    client = make_client(breaker_failures=2, breaker_cooldown=60)
    fake.fail_mode, fake.fail_endpoints, fake.retry_after = "500", {"user_stats"}, 0
    with pytest.raises(CircuitOpen):
        await client.user_stats(d.ADA, BACKGROUND)  # attempts 1 and 2 fail; the 3rd is refused
    assert fake.counts["user_stats"] == 2 and client.sent["user_stats"] == 2
    with pytest.raises(CircuitOpen) as refused:
        await client.user_stats(d.ZOE)
    assert refused.value.status == 503 and 0 < refused.value.retry_after <= 60
    assert fake.counts["user_stats"] == 2
    # Other endpoints have circuits of their own.
    school, title = d.SLUG_ACTIVE.split("/")
    assert isinstance(await client.course(school, title), Found)
    assert str(client.breakers["user_stats"].state) == "open"
    assert str(client.breakers["course"].state) == "closed"


async def test_revalidation_with_etag(make_client, fake: FakeDashboard) -> None:
    client = make_client()
    school, title = d.SLUG_ACTIVE.split("/")
    found = await client.course(school, title)
    assert isinstance(found, Found) and found.validators and found.validators.etag
    again = await client.course(school, title, FetchOptions(validators=found.validators))
    assert isinstance(again, NotModified)
    assert fake.requests[-1].headers["if-none-match"] == found.validators.etag
    assert fake.not_modified == 1


async def test_revalidation_with_last_modified(make_client, fake: FakeDashboard) -> None:
    client = make_client()
    fake.etags, fake.last_modified = False, "Wed, 01 Oct 2025 10:00:00 GMT"
    found = await client.user_stats(d.ADA)
    assert isinstance(found, Found)
    assert found.validators == Validators(last_modified=fake.last_modified)
    again = await client.user_stats(d.ADA, FetchOptions(validators=found.validators))
    assert isinstance(again, NotModified)
    assert fake.requests[-1].headers["if-modified-since"] == fake.last_modified
    assert "if-none-match" not in fake.requests[-1].headers
