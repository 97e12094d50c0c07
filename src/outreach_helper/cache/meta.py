"""What the cache remembers about how an entry was fetched, kept beside it under `meta:`.

The entry's own JSON is a fixed contract (`fetched_at` and `data`, nothing else), so the
validators for revalidation and the fetch duration for early refresh live in a key of
their own, written together with the entry and with the same expiry.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from outreach_helper.dashboard.outcomes import Validators


@dataclass(frozen=True, slots=True)
class Meta:
    """`etag`/`last_modified` from the Dashboard; `duration`, seconds the fetch took."""

    etag: str | None = None
    last_modified: str | None = None
    duration: float = 0.0

    @classmethod
    def of(cls, validators: Validators | None, duration: float) -> Meta:
        validators = validators or Validators()
        return cls(validators.etag, validators.last_modified, duration)

    @property
    def validators(self) -> Validators | None:
        return Validators(self.etag, self.last_modified) or None

    def to_json(self) -> bytes:
        return orjson.dumps(
            {"etag": self.etag, "last_modified": self.last_modified, "duration": self.duration}
        )

    @classmethod
    def from_json(cls, raw: bytes | str) -> Meta:
        """Raises ValueError on anything else (treated as no meta)."""
        value = orjson.loads(raw)
        if not isinstance(value, dict):
            raise ValueError("not cache meta")
        etag, modified = value.get("etag"), value.get("last_modified")
        duration = value.get("duration")
        return cls(
            etag if isinstance(etag, str) else None,
            modified if isinstance(modified, str) else None,
            float(duration) if isinstance(duration, int | float) else 0.0,
        )
