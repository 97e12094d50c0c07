"""`dashboard=all` waits for a slow dashboard only so long once another has answered."""

from __future__ import annotations

import asyncio

import pytest

from outreach_helper.combined import LeftOut, gather_with_grace
from outreach_helper.service import NotFoundError


async def after(seconds: float, value: object) -> object:
    await asyncio.sleep(seconds)
    if isinstance(value, Exception):
        raise value
    return value


async def test_every_answer_when_all_are_quick() -> None:
    assert await gather_with_grace([after(0, "a"), after(0.01, "b")], grace=0.05) == ["a", "b"]


async def test_a_dashboard_still_answering_after_the_grace_is_left_out() -> None:
    loop = asyncio.get_running_loop()
    # The cache's fetch is a shielded task: only the wait for it is cancelled.
    fetch = loop.create_task(asyncio.sleep(0.5, "late"))
    started = loop.time()
    first, second = await gather_with_grace(
        [after(0.01, "quick"), asyncio.shield(fetch)], grace=0.05
    )
    assert first == "quick" and isinstance(second, LeftOut) and second.status == 504
    assert loop.time() - started < 0.3
    assert await fetch == "late"  # it carried on


async def test_no_grace_until_one_has_answered() -> None:
    """A 404 is no answer: the slow one may still know the user, so it is waited for."""
    missing = NotFoundError("user", "Ada")
    results = await gather_with_grace([after(0, missing), after(0.1, "known")], grace=0.01)
    assert results == [missing, "known"]


async def test_an_answer_at_hand_starts_the_grace_at_once() -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    (result,) = await gather_with_grace([after(1, "late")], grace=0.05, answered=True)
    assert isinstance(result, LeftOut) and loop.time() - started < 0.5


async def test_the_request_cancelled_cancels_its_waits() -> None:
    waits = [after(5, "a"), after(5, "b")]
    outer = asyncio.ensure_future(gather_with_grace(waits, grace=1))
    await asyncio.sleep(0.01)
    outer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await outer
    assert not [t for t in asyncio.all_tasks() if t is not asyncio.current_task()
                and "after" in repr(t.get_coro())]  # fmt: skip
