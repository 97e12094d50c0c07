"""Answer bodies serialised once: bytes, validator and gzip, memoised per stored content.

A warm hit must not redo work whose result cannot have changed: the same cache entries
(same keys, same `fetched_at`) give the same body until the next window boundary that an
activity flag could cross. So each distinct body is serialised, hashed and compressed once,
and later hits with the same entries reuse it.
"""

from __future__ import annotations

import gzip
import hashlib
from base64 import urlsafe_b64encode
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import orjson

# Smaller bodies gain too little from gzip to be worth the header and the CPU.
GZIP_MIN_SIZE = 1024


@dataclass(frozen=True, slots=True)
class Body:
    """A serialised answer: its bytes, a weak ETag, and the gzip form when it is large."""

    content: bytes
    etag: str
    gzipped: bytes | None


def etag_of(content: bytes) -> str:
    """A weak validator (the same answer may go out gzip-encoded or not)."""
    digest = hashlib.blake2b(content, digest_size=12).digest()
    return f'W/"{urlsafe_b64encode(digest).decode()}"'


def render(body: Any) -> Body:
    content = orjson.dumps(body)
    gzipped = None
    if len(content) >= GZIP_MIN_SIZE:
        compressed = gzip.compress(content, compresslevel=6, mtime=0)
        gzipped = compressed if len(compressed) < len(content) else None
    return Body(content, etag_of(content), gzipped)


class RenderMemo:
    """Bounded, least-recently-used: key -> (value, valid until). Keys name the entries a
    value was built from (kind, id, fetched_at of each), so new data is a new key. Values
    are bodies, or anything else derived from entries alone (and the time, up to
    `valid until`)."""

    def __init__(self, max_entries: int = 4096):
        self._items: OrderedDict[Hashable, tuple[Any, float]] = OrderedDict()
        self._max_entries = max_entries

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Hashable, now: float) -> tuple[Any, float] | None:
        """The value and the moment it stops being valid, while `now` is before it."""
        item = self._items.get(key)
        if item is None:
            return None
        if now >= item[1]:
            del self._items[key]
            return None
        self._items.move_to_end(key)
        return item

    def put(self, key: Hashable, value: Any, valid_until: float) -> None:
        self._items[key] = (value, valid_until)
        self._items.move_to_end(key)
        while len(self._items) > self._max_entries:
            self._items.popitem(last=False)
