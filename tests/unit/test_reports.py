"""The upstream report port: the fan-out tells every listener, and asks them in order."""

from __future__ import annotations

from outreach_helper.dashboard.reports import NoReports, Reports


class Listener:
    def __init__(self, known: float | None) -> None:
        self.heard: list[tuple[str, ...]] = []
        self.known = known

    async def succeeded(self, endpoint: str, *, outcome: str, seconds: float) -> None:
        self.heard.append(("ok", endpoint, outcome))

    async def failed(self, endpoint: str, error: str, *, outcome: str, seconds: float) -> None:
        self.heard.append(("failed", endpoint, outcome, error))

    async def refused(self, endpoint: str) -> None:
        self.heard.append(("refused", endpoint))

    async def last_success_at(self, endpoint: str) -> float | None:
        return self.known


async def test_every_listener_hears_each_report() -> None:
    one, two = Listener(None), Listener(7.0)
    reports = Reports(one, NoReports(), two)
    await reports.succeeded("course", outcome="found", seconds=0.1)
    await reports.failed("users", "users: 500", outcome="bad_response", seconds=0.2)
    await reports.refused("course")
    expected = [
        ("ok", "course", "found"),
        ("failed", "users", "bad_response", "users: 500"),
        ("refused", "course"),
    ]
    assert one.heard == two.heard == expected
    assert await reports.last_success_at("course") == 7.0  # the first that knows
    assert await Reports(one).last_success_at("course") is None
