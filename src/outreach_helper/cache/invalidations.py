"""Invalidations between workers: Redis pub/sub on one channel under the key prefix.

Redis channels are global to the server (not per database), so the channel is named
`{REDIS_KEY_PREFIX}invalidations`, as secret as the keys. A message is
`<kind> <origin> [<key>]`: `w` (a newer entry of `key` was written: re-read it), `d`
(`key` was deleted: drop it), `p` (everything was purged). `origin` names the process
that sent it, which ignores its own messages.

Pub/sub delivers at most once: a message sent while a subscriber is disconnected is lost.
That is why the tier also re-reads every copy it serves after a short interval, and
distrusts every copy whenever the subscription is (re)made (see `tier.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Callable

import redis.asyncio as redis
from redis.exceptions import RedisError

from outreach_helper.cache.redis_store import bounded_pool
from outreach_helper.cache.store import StoreError

log = logging.getLogger(__name__)

WRITTEN, DELETED, PURGED = "w", "d", "p"
# Connections for publishing (a publish waits for a free one, within the timeout), beside
# the one connection of the subscription: a worker's share of Redis's `maxclients`.
PUBLISH_CONNECTIONS = 2


def channel_name(prefix: str) -> str:
    return f"{prefix}invalidations"


class Invalidations:
    """Publishes this process's changes and hands other processes' to `on_message`
    (`kind, key`); `on_subscribed` runs each time the subscription is (re)made."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str,
        timeout: float,
        retry_interval: float,
        on_message: Callable[[str, str], None],
        on_subscribed: Callable[[], None],
    ):
        self.channel = channel_name(prefix)
        self.origin = secrets.token_hex(8)
        self._timeout = timeout
        self._retry_interval = retry_interval
        self._on_message = on_message
        self._on_subscribed = on_subscribed
        self._redis = redis.Redis.from_pool(
            bounded_pool(url, PUBLISH_CONNECTIONS, timeout, socket_timeout=timeout)
        )
        # The subscription has a connection of its own, with no read timeout: it idles.
        self._listener = redis.Redis.from_pool(
            bounded_pool(url, 1, timeout, health_check_interval=10)
        )
        self._task: asyncio.Task[None] | None = None
        self.subscribed = False

    def start(self) -> None:
        """Start listening (idempotent; needs a running event loop)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._listen())

    async def publish(self, kind: str, key: str = "") -> None:
        """Tell the other processes; raises StoreError when Redis cannot be reached."""
        message = f"{kind} {self.origin} {key}"
        try:
            async with asyncio.timeout(self._timeout):
                await self._redis.publish(self.channel, message)
        except (RedisError, OSError, TimeoutError) as error:
            raise StoreError(f"redis publish: {type(error).__name__}: {error}") from error

    def _receive(self, data: bytes) -> None:
        kind, _, rest = data.decode("utf-8", "replace").partition(" ")
        origin, _, key = rest.partition(" ")
        if origin != self.origin and kind in (WRITTEN, DELETED, PURGED):
            self._on_message(kind, key)

    async def _listen(self) -> None:
        while True:
            pubsub = self._listener.pubsub(ignore_subscribe_messages=True)
            try:
                async with asyncio.timeout(self._timeout):
                    await pubsub.subscribe(self.channel)
                self.subscribed = True
                self._on_subscribed()
                while True:
                    message = await pubsub.get_message(timeout=1.0)
                    if message is not None and message.get("type") == "message":
                        self._receive(message["data"])
            except (RedisError, OSError, TimeoutError) as error:
                if self.subscribed:
                    log.warning("lost the invalidation channel: %s", error)
                self.subscribed = False
                await asyncio.sleep(self._retry_interval)
            finally:
                self.subscribed = False
                with contextlib.suppress(RedisError, OSError, TimeoutError):
                    await pubsub.aclose()

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            # Bounded: closing a subscription mid-handshake must not hang a shutdown.
            await asyncio.wait([self._task], timeout=self._timeout)
        with contextlib.suppress(RedisError, OSError, TimeoutError):
            async with asyncio.timeout(self._timeout):
                await self._redis.aclose()
                await self._listener.aclose()
