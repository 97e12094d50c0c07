"""A cache entry: what was fetched, and when. Its JSON form is a fixed contract."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson


@dataclass(frozen=True, slots=True)
class Entry:
    """`data` is a trimmed record, or None for a remembered upstream 404."""

    fetched_at: float
    data: Any

    @property
    def is_negative(self) -> bool:
        return self.data is None

    def to_json(self) -> bytes:
        return orjson.dumps({"fetched_at": self.fetched_at, "data": self.data})

    @classmethod
    def from_json(cls, raw: bytes | str) -> Entry:
        """Raises ValueError on anything that is not an entry (treated as a miss)."""
        value = orjson.loads(raw)
        if not isinstance(value, dict) or not isinstance(value.get("fetched_at"), int | float):
            raise ValueError("not a cache entry")
        return cls(fetched_at=float(value["fetched_at"]), data=value.get("data"))
