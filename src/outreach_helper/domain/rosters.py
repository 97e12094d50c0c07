"""Course rosters from ``users.json``: one row per person, split into staff and participants.

Upstream lists a username once per enrollment (re-enrollment, role change), so the
same person may appear several times with different roles. Each row carries the user's
own `id` and `global_id` (courses/_users.json.jbuilder: `json.call(cu.user, :id,
:username, :global_id)`), equal on every row of one person: those say who is who; the
username only where neither is sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from .usernames import InvalidUsername, normalize_username
from .windows import parse_timestamp

__all__ = ["dedupe_roster", "person_key", "sort_usernames", "split_roster", "staff_usernames"]

_EARLIEST = datetime.min.replace(tzinfo=UTC)


def _username_key(raw: object) -> str | None:
    """Normalised username, the raw text if it cannot be normalised, None if blank."""
    if not isinstance(raw, str) or not raw.strip():
        return None
    try:
        return normalize_username(raw)
    except InvalidUsername:
        return raw


def _role(raw: object) -> int:
    """Role as int; numeric strings are accepted, anything else counts as student (0)."""
    if isinstance(raw, bool):
        return 0
    if isinstance(raw, int):
        return int(raw)
    if isinstance(raw, str):
        try:
            return int(raw.strip())
        except ValueError:
            return 0
    return 0


def _sort_key(username: str) -> tuple[str, str]:
    return username.casefold(), username


def sort_usernames(names: Iterable[str]) -> list[str]:
    """Unique usernames in the order every staff list uses: case-insensitive, then exact."""
    return sorted(set(names), key=_sort_key)


def _id(raw: object) -> int | None:
    return raw if isinstance(raw, int) and not isinstance(raw, bool) else None


def person_key(row: Mapping[str, Any], username: str) -> tuple[str, object]:
    """Who a row is about: the user's `id`, else its `global_id`, else the username."""
    for field in ("id", "global_id"):
        ident = _id(row.get(field))
        if ident is not None:
            return field, ident
    return "username", username


def dedupe_roster(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Return one new row per person (see `person_key`), sorted case-insensitively by
    username.

    The row with the highest role wins, then the latest ``enrolled_at`` (missing or
    unparsable counts as earliest), then the first seen. Output rows carry the
    normalised username and an int role; every other key is copied unchanged.
    Rows without a username are dropped. The input is not modified.
    """
    best: dict[tuple[str, object], tuple[int, datetime, dict[str, Any]]] = {}
    for row in rows:
        username = _username_key(row.get("username"))
        if username is None:
            continue
        key = person_key(row, username)
        role = _role(row.get("role"))
        enrolled = parse_timestamp(row.get("enrolled_at")) or _EARLIEST
        current = best.get(key)
        if current is None or (role, enrolled) > (current[0], current[1]):
            best[key] = (role, enrolled, {**row, "username": username, "role": role})
    merged = [item[2] for item in best.values()]
    return sorted(merged, key=lambda row: _sort_key(row["username"]))


def split_roster(
    rows: Iterable[Mapping[str, Any]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Split deduped rows into (facilitators: role >= 1, participants: role 0), order kept."""
    facilitators: list[dict[str, Any]] = []
    participants: list[dict[str, Any]] = []
    for row in rows:
        target = facilitators if _role(row.get("role")) >= 1 else participants
        target.append(dict(row))
    return facilitators, participants


def staff_usernames(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """Sorted unique (normalised) usernames of everyone with a staff role (>= 1)."""
    names = {
        username
        for row in rows
        if _role(row.get("role")) >= 1
        and (username := _username_key(row.get("username"))) is not None
    }
    return sort_usernames(names)
