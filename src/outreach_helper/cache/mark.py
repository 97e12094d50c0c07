"""One upstream endpoint's last success and failure, as every worker stores and reads it.

A leaf: it imports nothing from the package, so the stores and the marks' writer
(`upstream_marks.py`) can both use it without a cycle.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Mark:
    """One endpoint's last success and failure (unix seconds), and the last error."""

    last_success_at: float | None = None
    last_failure_at: float | None = None
    last_error: str | None = None

    @property
    def down(self) -> bool:
        """The most recent call failed, and none has succeeded since."""
        return self.last_failure_at is not None and (
            self.last_success_at is None or self.last_failure_at > self.last_success_at
        )

    def succeeded_after(self, moment: float) -> bool:
        return self.last_success_at is not None and self.last_success_at > moment

    def merged(self, other: Mark) -> Mark:
        """The newer of each field (marks from two places, e.g. Redis and this process)."""
        success = _latest(self.last_success_at, other.last_success_at)
        failure = _latest(self.last_failure_at, other.last_failure_at)
        error = self.last_error
        if other.last_failure_at is not None and other.last_failure_at == failure:
            error = other.last_error
        return Mark(success, failure, error)

    def to_fields(self) -> dict[str, str]:
        """Only the fields that are set (a write never erases another worker's field)."""
        fields = {}
        if self.last_success_at is not None:
            fields["last_success_at"] = repr(self.last_success_at)
        if self.last_failure_at is not None:
            fields["last_failure_at"] = repr(self.last_failure_at)
            fields["last_error"] = self.last_error or ""
        return fields

    @classmethod
    def from_fields(cls, fields: Mapping[str | bytes, str | bytes]) -> Mark:
        """From a stored hash; unreadable fields count as absent."""
        text = {_text(k): _text(v) for k, v in fields.items()}
        return cls(
            _number(text.get("last_success_at")),
            _number(text.get("last_failure_at")),
            text.get("last_error") or None,
        )


def _latest(a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    return a if b is None else max(a, b)


def _text(value: str | bytes) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None
