"""The shared store: Redis, with every key under a prefix and every key with an expiry.

Works on Toolforge's shared Redis, where KEYS, SCAN, FLUSHDB, FLUSHALL and CONFIG are
disabled: a purge deletes what the `index` sorted set lists (see `redis_scripts.py`).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Mapping, Sequence
from typing import Any, TypeVar

import redis.asyncio as redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from outreach_helper.cache import redis_scripts
from outreach_helper.cache.backoff import Backoff
from outreach_helper.cache.entry import Entry
from outreach_helper.cache.meta import Meta
from outreach_helper.cache.store import Record, StoreError, backoff_key, lease_key, meta_key
from outreach_helper.cache.upstream_marks import MARK_TTL, Mark, mark_key

log = logging.getLogger(__name__)
T = TypeVar("T")
PURGE_CHUNK = 500  # keys deleted per round trip, so a purge never blocks Redis for long
# The `generation` key changes at every delete and purge, so that a worker that missed the
# invalidation still notices at its next re-read (see `tier.py`). It outlives any entry.
GENERATION_TTL = 30 * 86400
# An endpoint's marks (a hash): each time is set only if newer than the stored one, so two
# workers writing at once cannot move a mark back; the error goes with its failure time.
# KEYS[1] the hash; ARGV: expiry (ms), success time or "", failure time or "", error.
RECORD_MARK = """
local function newer(field, value)
  if value == '' then return false end
  local old = tonumber(redis.call('HGET', KEYS[1], field))
  return old == nil or tonumber(value) > old
end
if newer('last_success_at', ARGV[2]) then
  redis.call('HSET', KEYS[1], 'last_success_at', ARGV[2])
end
if newer('last_failure_at', ARGV[3]) then
  redis.call('HSET', KEYS[1], 'last_failure_at', ARGV[3], 'last_error', ARGV[4])
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
"""

# Stats counters (`stats/recorder.py`): add into a hash, gauges (`g|`) keep the larger.
# KEYS[1] the hash; ARGV[1] expiry (ms), then field, value pairs.
ADD_COUNTS = """
for i = 2, #ARGV, 2 do
  local field, value = ARGV[i], tonumber(ARGV[i + 1])
  if string.sub(field, 1, 2) == 'g|' then
    local old = tonumber(redis.call('HGET', KEYS[1], field))
    if old == nil or value > old then redis.call('HSET', KEYS[1], field, value) end
  else
    redis.call('HINCRBY', KEYS[1], field, value)
  end
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
"""
# The stats history's epoch: kept (and its expiry renewed) if there, else set to ARGV[1].
# A worker that finds another value than it knew learns that Redis lost the history.
# KEYS[1] the epoch; ARGV[1] a new value, ARGV[2] expiry (ms).
COUNTS_EPOCH = """
local value = redis.call('GET', KEYS[1])
if not value then
  value = ARGV[1]
  redis.call('SET', KEYS[1], value)
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return value
"""
# The `INFO memory` figures the stats page draws.
MEMORY_FIELDS = ("used_memory", "used_memory_rss", "maxmemory")


def bounded_pool(
    url: str, max_connections: int, timeout: float, **options: Any
) -> redis.BlockingConnectionPool:
    """A pool of at most `max_connections`, where a caller waits up to `timeout` for a free
    connection (then ConnectionError, a StoreError to our callers) instead of opening more."""
    return redis.BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=timeout,
        socket_connect_timeout=timeout,
        **options,
    )


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))


def _decode(raw: bytes | None, kind: Any) -> Any:
    """An Entry, Meta or Backoff from its JSON; None (logged) for anything malformed."""
    if raw is None:
        return None
    try:
        return kind.from_json(raw)
    except ValueError:
        log.warning("ignoring a malformed %s in Redis", kind.__name__)
        return None


class RedisStore:
    """Every command is bounded by `timeout`, so a hung Redis cannot hang a request.

    A connection Redis dropped is replaced and the command retried once at once; a Redis
    that stays away raises StoreError (and `TieredStore` answers from its copies). At most
    `max_connections` connections are open at once: a command finding them all busy waits
    for one, and that wait counts in its `timeout` (so a burst of requests queues for a
    few connections instead of opening one each, and never waits longer than a command)."""

    name = "redis"

    def __init__(self, url: str, *, prefix: str, timeout: float = 1.0, max_connections: int = 8):
        self._prefix = prefix
        self._timeout = timeout
        self._redis = redis.Redis.from_pool(
            bounded_pool(
                url,
                max_connections,
                timeout,
                socket_timeout=timeout,
                health_check_interval=30,
                retry=Retry(NoBackoff(), 1),
            )
        )
        self._write = self._redis.register_script(redis_scripts.WRITE_IF_NEWER)
        self._renew = self._redis.register_script(redis_scripts.RENEW_LEASE)
        self._release = self._redis.register_script(redis_scripts.RELEASE_LEASE)
        self._record_mark = self._redis.register_script(RECORD_MARK)
        self._add_counts = self._redis.register_script(ADD_COUNTS)
        self._counts_epoch = self._redis.register_script(COUNTS_EPOCH)

    def _key(self, key: str) -> str:
        return self._prefix + key

    @property
    def _index(self) -> str:
        return self._prefix + "index"

    @property
    def _generation(self) -> str:
        return self._prefix + "generation"

    async def _call(self, awaitable: Awaitable[T]) -> T:
        try:
            async with asyncio.timeout(self._timeout):
                return await awaitable
        except (RedisError, OSError, TimeoutError) as error:
            raise StoreError(f"redis: {type(error).__name__}: {error}") from error

    async def read_shared(self, key: str) -> Record:
        return await self.read(key)

    async def read(self, key: str) -> Record:
        (record,) = await self.read_many([key])
        return record

    async def read_many(self, keys: list[str]) -> list[Record]:
        """One MGET of every key's entry, meta, backoff and lease."""
        if not keys:
            return []
        records, _ = await self.read_many_and_generation(keys)
        return records

    async def read_many_and_generation(self, keys: list[str]) -> tuple[list[Record], bytes | None]:
        """`read_many`, and in the same MGET the purge generation (None if never set)."""
        names = [
            self._key(name)
            for key in keys
            for name in (key, meta_key(key), backoff_key(key), lease_key(key))
        ]
        *raws, generation = await self._call(self._redis.mget([*names, self._generation]))
        return [
            Record(
                _decode(raw_entry, Entry),
                _decode(raw_meta, Meta),
                _decode(raw_backoff, Backoff),
                lease is not None,
            )
            for raw_entry, raw_meta, raw_backoff, lease in zip(*[iter(raws)] * 4, strict=True)
        ], generation

    async def get_many(self, keys: list[str]) -> list[Entry | None]:
        if not keys:
            return []
        raws = await self._call(self._redis.mget([self._key(k) for k in keys]))
        return [_decode(raw, Entry) for raw in raws]

    async def write(self, key: str, entry: Entry, meta: Meta | None, ttl: float) -> bool:
        written = await self._call(
            self._write(
                keys=[self._key(key), self._key(meta_key(key)), self._index],
                args=[
                    entry.to_json(),
                    repr(entry.fetched_at),
                    _ms(ttl),
                    meta.to_json() if meta is not None else b"",
                ],
            )  # fmt: skip
        )
        return bool(written)

    async def delete(self, key: str) -> None:
        names = [self._key(name) for name in (key, meta_key(key), backoff_key(key))]
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(*names).zrem(self._index, *names)
            pipe.set(self._generation, secrets.token_hex(8), ex=GENERATION_TTL)
            await self._call(pipe.execute())

    async def set_backoff(self, key: str, backoff: Backoff, ttl: float) -> None:
        await self._call(
            self._redis.set(self._key(backoff_key(key)), backoff.to_json(), px=_ms(ttl))
        )

    async def clear_backoff(self, key: str) -> None:
        await self._call(self._redis.delete(self._key(backoff_key(key))))

    async def acquire_lease(self, key: str, token: str, ttl: float) -> bool:
        taken = await self._call(
            self._redis.set(self._key(lease_key(key)), token, nx=True, px=_ms(ttl))
        )
        return bool(taken)

    async def renew_lease(self, key: str, token: str, ttl: float) -> bool:
        return bool(
            await self._call(self._renew(keys=[self._key(lease_key(key))], args=[token, _ms(ttl)]))
        )

    async def release_lease(self, key: str, token: str) -> None:
        await self._call(self._release(keys=[self._key(lease_key(key))], args=[token]))

    async def purge(self) -> int:
        """Delete, a chunk at a time, every key the index lists (each with its index row,
        in one transaction, so a key written meanwhile is either deleted or still listed)."""
        deleted = 0
        while True:
            names = await self._call(self._redis.zrange(self._index, 0, PURGE_CHUNK - 1))
            if not names:
                await self._call(
                    self._redis.set(self._generation, secrets.token_hex(8), ex=GENERATION_TTL)
                )
                return deleted
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.delete(*names).zrem(self._index, *names)
                removed, _ = await self._call(pipe.execute())
            deleted += removed

    async def write_blob(self, key: str, data: bytes, ttl: float) -> None:
        """An opaque value beside the entries (listed in the index, so purged with them)."""
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(self._key(key), data, px=_ms(ttl))
            pipe.zadd(self._index, {self._key(key): time.time() * 1000 + _ms(ttl)})
            await self._call(pipe.execute())

    async def read_blob(self, key: str) -> bytes | None:
        raw: bytes | None = await self._call(self._redis.get(self._key(key)))
        return raw

    async def record_mark(self, endpoint: str, mark: Mark) -> None:
        fields = mark.to_fields()
        await self._call(
            self._record_mark(
                keys=[self._key(mark_key(endpoint))],
                args=[
                    _ms(MARK_TTL),
                    fields.get("last_success_at", ""),
                    fields.get("last_failure_at", ""),
                    fields.get("last_error", ""),
                ],
            )  # fmt: skip
        )

    async def read_marks(self, endpoints: list[str]) -> list[Mark]:
        async with self._redis.pipeline(transaction=False) as pipe:
            for endpoint in endpoints:
                pipe.hgetall(self._key(mark_key(endpoint)))
            hashes = await self._call(pipe.execute())
        return [Mark.from_fields(fields) for fields in hashes]

    async def add_counts(self, batches: Sequence[tuple[str, float, Mapping[str, int]]]) -> None:
        """One pipeline of one script call per hash."""
        if not batches:
            return
        async with self._redis.pipeline(transaction=False) as pipe:
            for key, ttl, counts in batches:
                args: list[str | int] = [_ms(ttl)]
                for field, value in counts.items():
                    args += [field, int(value)]
                await self._add_counts(keys=[self._key(key)], args=args, client=pipe)
            await self._call(pipe.execute())

    async def counts_epoch(self, key: str, candidate: str, ttl: float) -> str:
        value = await self._call(
            self._counts_epoch(keys=[self._key(key)], args=[candidate, _ms(ttl)])
        )
        return value.decode() if isinstance(value, bytes) else str(value)

    async def read_counts(self, keys: Sequence[str]) -> list[dict[str, int]]:
        if not keys:
            return []
        async with self._redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.hgetall(self._key(key))
            hashes = await self._call(pipe.execute())
        return [{k.decode(): int(v) for k, v in fields.items()} for fields in hashes]

    async def memory_info(self) -> dict[str, int] | None:
        """`INFO memory` (not among the commands Toolforge's Redis renames)."""
        info = await self._call(self._redis.info("memory"))
        return {name: int(info[name]) for name in MEMORY_FIELDS if name in info}

    async def ping(self) -> None:
        await self._call(self._redis.ping())

    async def aclose(self) -> None:
        await self._redis.aclose()
