"""Maintainer commands behind `outreach-helper warm|inspect|purge|check|stats`.

Each works on the shared Redis through the same components the server uses, and returns
an exit code: 0 done, 1 something unreachable or failed, 2 bad input or configuration.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass

from tqdm import tqdm

from outreach_helper.cache.engine import Kind
from outreach_helper.cache.store import StoreError
from outreach_helper.components import Components, build_recorder, build_store
from outreach_helper.dashboard.client import user_agent
from outreach_helper.dashboard.outcomes import Found, NotFound, UpstreamError
from outreach_helper.domain.slugs import InvalidSlug, course_key, split_course_slug
from outreach_helper.domain.usernames import InvalidUsername, normalize_username
from outreach_helper.service import HelperService, NotFoundError
from outreach_helper.settings import Settings
from outreach_helper.upstreams import UnknownDashboard

OK, FAILED, USAGE = 0, 1, 2


@dataclass(frozen=True)
class Target:
    """A username or a course (`SCHOOL/TITLE` slug), as maintainers type them."""

    kind: str  # "user" or "course"
    ident: str  # normalised username, or normalised "school/title"
    parts: tuple[str, ...]


def parse_target(raw: str) -> Target:
    """Usernames cannot contain `/`, course slugs always do. Raises ValueError."""
    if "/" in raw:
        school, title = split_course_slug(raw.strip())
        return Target("course", course_key(school, title), (school, title))
    name = normalize_username(raw)
    return Target("user", name, (name,))


def parse_targets(items: Iterable[str]) -> tuple[list[Target], list[str]]:
    targets, errors = [], []
    for item in items:
        if not item.strip() or item.lstrip().startswith("#"):
            continue
        try:
            targets.append(parse_target(item))
        except (InvalidSlug, InvalidUsername) as error:
            errors.append(f"{item!r}: {error}")
    return targets, errors


def _say(message: str) -> None:
    print(message, flush=True)


async def _shared_store(parts: Components) -> int | None:
    """The maintenance commands act on Redis; the memory store lives in each server."""
    if parts.settings.effective_redis_url is None:
        _say("No Redis configured (REDIS_URL or REDIS_HOST): the memory store lives inside "
             "each server process, so there is nothing to act on from here.")  # fmt: skip
        return USAGE
    try:
        await parts.store.ping()
    except StoreError as error:
        _say(f"Redis is unreachable: {error}")
        return FAILED
    return None


def _service(parts: Components, dashboard: str | None) -> HelperService | None:
    """The service of `--dashboard` (the default one without it); None, said, if unknown."""
    if dashboard is None:
        return parts.service
    try:
        return parts.services.get(dashboard)
    except UnknownDashboard as error:
        _say(f"--dashboard: {error}")
        return None


def _kinds(service: HelperService, target: Target) -> list[Kind]:
    if target.kind == "user":
        return [service.user_kind]
    return [service.course_kind, service.roster_kind]


async def warm(
    settings: Settings, items: list[str], *, enrich: bool, dashboard: str | None = None
) -> int:
    targets, errors = parse_targets(items)
    for error in errors:
        _say(f"skipped {error}")
    if not targets:
        _say("Nothing to warm: give usernames or course slugs, as arguments or with --file.")
        return USAGE
    parts = Components.build(settings)
    try:
        if (service := _service(parts, dashboard)) is None:
            return USAGE
        if (code := await _shared_store(parts)) is not None:
            return code
        failures = 0

        async def one(target: Target) -> None:
            nonlocal failures
            try:
                if target.kind == "user":
                    await service.user(target.ident, enrich=enrich)
                else:
                    await service.course(*target.parts)
                    await service.roster(*target.parts)
            except NotFoundError:
                pass  # remembered as a 404, which is warm too
            except UpstreamError as error:
                failures += 1
                tqdm.write(f"{target.ident}: {error.detail}")

        with tqdm(total=len(targets), unit="item", desc="warming") as bar:
            # The client's in-flight cap bounds the Dashboard's load; this bounds our tasks.
            gate = asyncio.Semaphore(settings.upstream_max_in_flight * 2)

            async def gated(target: Target) -> None:
                async with gate:
                    await one(target)
                bar.update()

            await asyncio.gather(*(gated(t) for t in targets))
        _say(f"warmed {len(targets) - failures} of {len(targets)}")
        return FAILED if failures else OK
    finally:
        await parts.aclose()


async def inspect(settings: Settings, items: list[str], *, dashboard: str | None = None) -> int:
    targets, errors = parse_targets(items)
    for error in errors:
        _say(f"invalid {error}")
    if errors or not targets:
        return USAGE
    parts = Components.build(settings)
    try:
        if (service := _service(parts, dashboard)) is None:
            return USAGE
        if (code := await _shared_store(parts)) is not None:
            return code
        now = time.time()
        for target in targets:
            for kind in _kinds(service, target):
                (entry,) = await service.upstream.cache.peek_many(kind, [target.ident])
                key = f"{settings.redis_key_prefix}{kind.name}:{target.ident}"
                if entry is None:
                    _say(f"{key}: not cached")
                    continue
                age = now - entry.fetched_at
                state = "fresh" if age < kind.ttl else "stale"
                if entry.is_negative:
                    state = "negative (remembered 404)"
                size = len(entry.to_json())
                _say(f"{key}: {state}, age {age:.0f} s (fresh for {kind.ttl:g} s), "
                     f"{size} bytes")  # fmt: skip
        return OK
    finally:
        await parts.aclose()


async def purge(
    settings: Settings, items: list[str], *, everything: bool, dashboard: str | None = None
) -> int:
    targets, errors = parse_targets(items)
    for error in errors:
        _say(f"invalid {error}")
    if errors or (not targets and not everything) or (targets and everything):
        _say("Give either --all or usernames/course slugs." if not errors else "Nothing purged.")
        return USAGE
    parts = Components.build(settings)
    try:
        if (service := _service(parts, dashboard)) is None:
            return USAGE
        if (code := await _shared_store(parts)) is not None:
            return code
        if everything:
            count = await parts.cache.purge_all()
            _say(f"purged {count} entries")
            return OK
        for target in targets:
            for kind in _kinds(service, target):
                await service.upstream.cache.invalidate(kind, target.ident)
                _say(f"purged {kind.name}:{target.ident}")
        return OK
    finally:
        await parts.aclose()


async def check(settings: Settings, username: str) -> int:
    """Configuration, Redis, and one real request to the Dashboard."""
    try:
        name = normalize_username(username)
    except InvalidUsername as error:
        _say(f"--username: {error}")
        return USAGE
    for config in settings.dashboard_configs:
        _say(f"Dashboard:   {config.name} {config.base_url}")
    _say(f"User-Agent:  {user_agent(settings.contact)}")
    _say(
        f"Freshness:   user {settings.user_cache_ttl} s, course {settings.course_cache_ttl} s, "
        f"roster {settings.course_users_cache_ttl} s, 404 {settings.not_found_cache_ttl} s"
    )
    parts = Components.build(settings)
    failed = False
    try:
        if settings.effective_redis_url is None:
            _say("Store:       memory (no REDIS_URL or REDIS_HOST)")
        else:
            try:
                await parts.store.ping()
                _say(f"Store:       Redis reachable, key prefix of "
                     f"{len(settings.redis_key_prefix)} characters")  # fmt: skip
            except StoreError as error:
                _say(f"Store:       Redis UNREACHABLE: {error}")
                failed = True
        for upstream in parts.upstreams:  # each configured dashboard, asked once
            started = time.perf_counter()
            try:
                outcome = await upstream.client.user_stats(name)
            except UpstreamError as error:
                _say(f"Upstream:    {upstream.name} FAILED: {error.detail}")
                failed = True
            else:
                seconds = time.perf_counter() - started
                what = {Found: "found", NotFound: "not found (404)"}[type(outcome)]
                _say(f"Upstream:    {upstream.name} answered in {seconds * 1000:.0f} ms: "
                     f"user {name!r} {what}")  # fmt: skip
    finally:
        await parts.aclose()
    return FAILED if failed else OK


async def stats(settings: Settings) -> int:
    """The `/stats` summaries of the last hour and the last day, from the shared history
    (with the memory store there is none outside the server's process: say so)."""
    store = build_store(settings)
    recorder = build_recorder(settings, store, clock=time.time)
    try:
        if recorder.shared is None:
            print("No shared history: the memory store keeps it inside each server process.")
            print("Set REDIS_URL (or REDIS_HOST) to keep it in Redis, or open /stats.")
            return FAILED
        for range_name, words in (("1h", "Last hour"), ("24h", "Last day")):
            answer = await recorder.read(range_name)
            if not answer["shared"]:
                print(f"Shared history unavailable: {answer['shared_error']}")
                return FAILED
            print(f"{words} ({answer['step_s'] // 60}-minute steps, every worker):")
            for line in answer["summary"].values():
                print(f"  {line}")
            memory = [p["gauges"]["redis_used_memory"] for p in answer["points"]
                      if "redis_used_memory" in p["gauges"]]  # fmt: skip
            if memory:
                print(f"  Redis used_memory {memory[-1] / 1048576:.1f} MiB")
        return OK
    finally:
        await store.aclose()
