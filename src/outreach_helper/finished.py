"""Finished answers, reused while nothing they were built from can have changed.

A warm answer is rebuilt from the same entries again and again: the store's reads, the
engine's decisions and the memo key of its body cost far more than the answer's bytes.
So each answer whose entries were all fresh is kept, with the very entry objects it was
built from, and reused while

- the store would hand out those same objects without any I/O (`SWRCache.unchanged`:
  over Redis, the tier's copies are re-read every re-check interval and replaced on every
  invalidation, so a reused answer is never older than the tier's own copies),
- every entry is still fresh and no activity flag can have flipped (`valid_until`), and
- at most `reuse_for` seconds have passed, so that the engine still sees hot keys often
  enough to refresh them early (XFetch) and to count them.

Lookups answered by a reused answer are still counted in the metrics.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from outreach_helper import metrics
from outreach_helper.cache.entry import Entry
from outreach_helper.rendering import RenderMemo


@dataclass(frozen=True, slots=True)
class Finished:
    """What an answer is made of besides the moment: its body and freshness facts, and
    the store keys and entry objects it was built from."""

    body: Any
    fetched_at: float
    fresh_until: float
    changes_at: float | None
    entries: tuple[tuple[str, Entry], ...]
    lookups: tuple[tuple[tuple[str, str], int], ...]  # ((kind, state), how many)


class FinishedAnswers:
    def __init__(
        self,
        unchanged: Callable[[tuple[tuple[str, Entry], ...]], bool],
        *,
        reuse_for: float,
        max_entries: int = 4096,
    ):
        self._unchanged = unchanged
        self._reuse_for = reuse_for
        self._memo = RenderMemo(max_entries)

    def reuse(self, key: Hashable, now: float) -> Finished | None:
        hit = self._memo.get(key, now)
        if hit is None:
            return None
        finished: Finished = hit[0]
        if not self._unchanged(finished.entries):
            return None
        for (kind, state), count in finished.lookups:
            metrics.cache_lookup(kind, state).inc(count)
        return finished

    def keep(
        self,
        key: Hashable,
        finished: Finished,
        now: float,
    ) -> None:
        valid_until = min(finished.fresh_until, now + self._reuse_for)
        if finished.changes_at is not None:
            valid_until = min(valid_until, finished.changes_at)
        if valid_until > now:
            self._memo.put(key, finished, valid_until)


def count_lookups(states: list[tuple[str, str]]) -> tuple[tuple[tuple[str, str], int], ...]:
    return tuple(Counter(states).items())
