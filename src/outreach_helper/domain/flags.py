"""Boolean query parameters, spelled as gadget authors write them: true/false/1/0."""

from __future__ import annotations

from typing import Literal

__all__ = ["FLAG_VALUES", "FlagText", "parse_flag"]

FlagText = Literal["true", "false", "1", "0"]
FLAG_VALUES: tuple[str, ...] = ("true", "false", "1", "0")


def parse_flag(value: str | None, *, default: bool = False) -> bool:
    """`true`/`1` -> True, `false`/`0` -> False, absent -> `default`. Anything else has been
    rejected by validation before this is called."""
    if value is None:
        return default
    return value in ("true", "1")
