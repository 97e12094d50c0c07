"""Chaos soak: gadget traffic against `serve --workers 2` over Redis while things break.

    .venv/bin/python bench/soak.py --minutes 3

Starts the fake Dashboard (in this process), a private Redis and the real CLI's
`serve --workers 2`, then sends mixed gadget traffic (Zipf over a few thousand names, most
unknown to the Dashboard; user, enrich, status, active-staff, batch, course and roster
routes) for the minutes given, while every minute the Dashboard goes down (refused),
answers 500, is slow, hangs and sends bad JSON, and Redis is paused (SIGSTOP), squeezed
(`maxmemory` with `allkeys-lru`, filled by other keys) and restarted empty. Some users'
course lists and some courses' counts change every few seconds at known instants, so every
answer can be checked against what the Dashboard said at its `Age`.

It prints (markdown) and returns:
- requests answered, by status, and requests not answered within the client timeout;
- 5xx answers although a usable entry existed: the client had seen a good answer for the
  key whose windows (TTL + STALE_IF_ERROR_TTL, or NOT_FOUND_CACHE_TTL for a 404) still
  covered it. Split in two: with Redis healthy all along (must be 0), and while the entry
  was out of reach (Redis paused or restarting, or our keys evicted or lost since it was
  fetched; the worker asked may never have held a copy);
- wrong data: an answer that matches the Dashboard's data at no instant between
  `now - Age` (its fetch) and its arrival (must be 0);
- upstream requests per minute per endpoint, against the distinct keys asked;
- time from each Dashboard recovery to the first answer fetched afresh after it;
- RSS and asyncio task count per worker at start and end.

`run_soak()` is what tests/integration/test_soak.py runs for 60 s.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import itertools
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx
import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from bench.soak_support import (  # noqa: E402
    ChaosRedis,
    ServeProcess,
    rss_mib,
    scrape_workers,
    tasks_of,
    upstream_attempts,
)
from outreach_helper.domain.usernames import normalize_username  # noqa: E402
from outreach_helper.settings import Settings  # noqa: E402
from tests.fakedash import dataset as ds  # noqa: E402
from tests.fakedash.server import FakeDashboard  # noqa: E402

# Short windows, so that within minutes entries go stale, are revalidated and are served
# stale-if-error; everything else is the default.
SERVICE = Settings(
    user_cache_ttl=20,
    course_cache_ttl=30,
    course_users_cache_ttl=20,
    not_found_cache_ttl=15,
    stale_while_revalidate_ttl=10,
    stale_if_error_ttl=3600,
    foreground_timeout=4,
    upstream_deadline=8,
    log_level="WARNING",
)
CLIENT_TIMEOUT = 20.0  # > FOREGROUND_TIMEOUT + a loaded machine: a slower answer is a hang
NAMES = 3000
CHANGE_EVERY = 6.0  # seconds between versions of the changing users and courses
CHANGING_USERS = (ds.ADA, ds.OBRIEN, ds.MARC, ds.FORTY)
CHANGING_COURSES = (ds.SLUG_ACTIVE, ds.SLUG_TRACKING, ds.FORTY_SLUGS[0])
ROUTES = {  # share of requests
    "user": 25, "enrich": 12, "status": 20, "active-staff": 5, "batch": 10,
    "course": 16, "roster": 12,
}  # fmt: skip
REDIS_TAIL = SERVICE.redis_retry_interval + SERVICE.redis_timeout + 1  # back in use by then
FETCH_SLACK = 3.0  # an entry's fetch is known to a few seconds (Age is whole seconds)


# --- the population --------------------------------------------------------------------------


class Zipf:
    """Draws from `items` with weight 1/rank**s."""

    def __init__(self, items: list, s: float, rng: random.Random) -> None:
        self.items, self.rng = items, rng
        self.cumulative = list(itertools.accumulate(1 / (r**s) for r in range(1, len(items) + 1)))

    def draw(self) -> object:
        return self.rng.choices(self.items, cum_weights=self.cumulative)[0]


def population(rng: random.Random, data: ds.Dataset) -> tuple[list[str], list[str]]:
    """(names by rank, slugs by rank): the Dashboard's users among the first few hundred
    ranks (the changing ones in the top 20), the rest unknown to it."""
    names = [f"Soak visitor {n:04d}" for n in range(NAMES)]
    others = [name for name in data.users if name not in CHANGING_USERS]
    for name, rank in zip(CHANGING_USERS, rng.sample(range(20), len(CHANGING_USERS)), strict=True):
        names[rank] = name
    free = [rank for rank in range(20, 300)]
    for name, rank in zip(others, rng.sample(free, len(others)), strict=True):
        names[rank] = name
    slugs = list(data.public_slugs) + [ds.SLUG_PRIVATE, ds.UNKNOWN_SLUG]
    slugs += [ds.make_slug("Soak School", f"Unknown {n}", "Soak") for n in range(20)]
    rng.shuffle(slugs)
    return names, slugs


def changing_versions(
    data: ds.Dataset, start: float, until: float
) -> tuple[dict[str, list], dict[str, list]]:
    """Versions every CHANGE_EVERY s: a user's first course count grows and every other
    version drops their last course (their courses stay ones whose rosters list them, so
    the impostor check still confirms them); a course's student_count grows."""
    moments = [start + k * CHANGE_EVERY for k in range(1, int((until - start) / CHANGE_EVERY) + 1)]
    users: dict[str, list] = {}
    for name in CHANGING_USERS:
        base = data.users[name]
        slugs = list(dict.fromkeys(row["course_slug"] for row in base["courses_details"]))
        versions = []
        for k, at in enumerate(moments, start=1):
            rows = [dict(row) for row in base["courses_details"]]
            rows[0]["user_count"] = base["courses_details"][0]["user_count"] + k
            if k % 2 and len(slugs) > 1:
                rows = [row for row in rows if row["course_slug"] != slugs[-1]]
            versions.append((at, {**base, "courses_details": rows}))
        users[name] = versions
    courses: dict[str, list] = {}
    for slug in CHANGING_COURSES:
        base = data.courses[slug]
        courses[slug] = [
            (
                at,
                {
                    "course": {
                        **base["course"],
                        "student_count": base["course"]["student_count"] + k,
                    }
                },
            )
            for k, at in enumerate(moments, start=1)
        ]
    return users, courses


# --- the truth -------------------------------------------------------------------------------


class Truth:
    """What the fake Dashboard served for a key at any instant."""

    def __init__(self, fake: FakeDashboard, changes: dict[tuple[str, str], list[float]]) -> None:
        data = fake.dataset
        self.fake = fake
        self.changes = changes  # (kind, key) -> change instants
        self.users = {normalize_username(n): n for n in data.users}
        self.static_users = {n: orjson.loads(orjson.dumps(p)) for n, p in data.users.items()}
        self.static_courses = {
            slug: orjson.loads(orjson.dumps(data.courses[slug])) for slug in data.public_slugs
        }
        self.rosters = {
            slug: (data.facilitators_of(slug), data.participants_of(slug))
            for slug in data.public_slugs
        }

    def _candidates(self, kind: str, key: str, low: float, high: float, static: dict) -> list:
        """The versions served at some instant of [low, high]."""
        moments = self.changes.get((kind, key))
        if moments is None:
            return [static.get(key)]
        index = bisect.bisect_right(moments, low)
        inside = moments[index : bisect.bisect_right(moments, high)]
        return [self.fake.truth(kind, key, at) for at in [low, *inside]]

    def user(self, name: str, low: float, high: float) -> list[dict | None]:
        exact = self.users.get(name)
        if exact is None:
            return [None]
        return self._candidates("user", exact, low, high, self.static_users)

    def course(self, slug: str, low: float, high: float) -> list[dict | None]:
        return self._candidates("course", slug, low, high, self.static_courses)

    def roster(self, slug: str) -> tuple[list[str], list[str]] | None:
        return self.rosters.get(slug)


def expected_courses(payload: dict) -> list[tuple]:
    return [(r["course_slug"], r["user_count"], r["user_role"]) for r in payload["courses_details"]]


def distinct_courses(payload: dict) -> int:
    return len({row["course_slug"] for row in payload["courses_details"]})


def answered_courses(body: dict) -> list[tuple]:
    return [(c["course_slug"], c["user_count"], c["user_role"]) for c in body["courses"]]


# --- faults ----------------------------------------------------------------------------------


@dataclass
class Window:
    kind: str  # "dashboard" or "redis"
    name: str  # down, 500, slow, hang, bad_json, invalid_json, pause, squeeze, restart
    start: float
    end: float | None = None  # None while it lasts


@dataclass
class FaultLog:
    windows: list[Window] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def begin(self, kind: str, name: str) -> Window:
        window = Window(kind, name, time.time())
        with self.lock:
            self.windows.append(window)
        return window

    def of(self, kind: str) -> list[Window]:
        with self.lock:
            return [w for w in self.windows if w.kind == kind]


def dashboard_fault(
    fake: FakeDashboard, name: str
) -> tuple[Callable[[], None], Callable[[], None]]:
    """(start, stop) of one Dashboard fault."""
    if name == "down":
        return fake.down, fake.up
    if name == "slow":
        return lambda: setattr(fake, "latency", 1.5), lambda: setattr(fake, "latency", 0.0)
    return (lambda: setattr(fake, "fail_mode", name)), (lambda: setattr(fake, "fail_mode", None))


def cycle(number: int) -> list[tuple[float, float, str, str]]:
    """One minute of faults: (from, to, "dashboard" | "redis", name), seconds into it.
    Redis breaks while the Dashboard fails too, so only the tier's copies can answer."""
    bad = "bad_json" if number % 2 == 0 else "invalid_json"
    return [
        (6, 13, "dashboard", "down"),
        (15, 19, "redis", "pause"),
        (18, 23, "dashboard", "500"),
        (27, 32, "dashboard", "slow"),
        (36, 41, "dashboard", "hang"),
        (45, 49, "dashboard", bad),
        (50, 54, "redis", "squeeze"),
        (52, 57, "dashboard", "down"),
        (55, 57, "redis", "restart"),
    ]


class FaultDriver(threading.Thread):
    """Runs the minutes' faults on time, in a thread of its own (Redis restarts block)."""

    def __init__(self, fake: FakeDashboard, redis: ChaosRedis, minutes: int, log: FaultLog):
        super().__init__(name="soak-faults", daemon=True)
        self.fake, self.redis, self.log = fake, redis, log
        self.plan = sorted(
            (
                (60 * m + at, 60 * m + until, kind, name)
                for m in range(minutes)
                for at, until, kind, name in cycle(m)
            ),
            key=lambda step: step[0],
        )
        self.stop_requested = threading.Event()
        self.evicted = 0
        self.errors: list[str] = []

    def run(self) -> None:
        origin = time.monotonic()
        events = []  # (when, order, action)
        for order, (at, until, kind, name) in enumerate(self.plan):
            events.append((at, order, "begin", kind, name, until))
        pending = sorted(events)
        ends: list[tuple[float, int, Window, Callable[[], None]]] = []
        while (pending or ends) and not self.stop_requested.is_set():
            now = time.monotonic() - origin
            if ends and ends[0][0] <= now:
                _, _, window, stop = ends.pop(0)
                self._safely(stop)
                window.end = time.time()
                continue
            if pending and pending[0][0] <= now:
                _at, order, _, kind, name, until = pending.pop(0)
                window, stop = self._begin(kind, name, until - _at)
                if stop is not None:
                    ends.append((until, order, window, stop))
                    ends.sort(key=lambda item: (item[0], item[1]))
                continue
            time.sleep(0.01)
        for _, _, window, stop in ends:  # stopped early: undo what is still broken
            self._safely(stop)
            window.end = time.time()

    def _begin(
        self, kind: str, name: str, length: float
    ) -> tuple[Window, Callable[[], None] | None]:
        window = self.log.begin(kind, name)
        if kind == "dashboard":
            start, stop = dashboard_fault(self.fake, name)
            self._safely(start)
            return window, stop
        if name == "pause":
            self._safely(self.redis.pause)
            return window, self.redis.resume
        if name == "squeeze":
            self._safely(lambda: self.redis.squeeze(maxmemory_mib=4, fill_mib=8))
            return window, self._release
        # restart: down for most of the window, then back empty
        self._safely(lambda: self.redis.restart(down_for=max(0.5, length - 0.5)))
        window.end = time.time()
        return window, None

    def _release(self) -> None:
        self.evicted += self.redis.evicted_keys()
        self.redis.release()

    def _safely(self, action: Callable[[], None]) -> None:
        try:
            action()
        except Exception as error:  # noqa: BLE001 - a fault that fails is reported, not fatal
            self.errors.append(f"{type(error).__name__}: {error}")


# --- traffic and checks ----------------------------------------------------------------------


@dataclass
class Entry:
    """What the client knows of a stored entry from a good answer."""

    fetched: float  # the earliest instant it can have been fetched
    usable_until: float  # when the windows in SERVICE stop covering it


@dataclass
class Observation:
    """What one answer (or one batch item) said about one key."""

    key: str  # user:NAME, course:SLUG, roster:SLUG
    status: int
    sent: float
    received: float
    age: int | None  # the answer's Age header
    max_age: int | None = None  # Cache-Control max-age of a 404: how long it is remembered
    previous: Entry | None = None  # for a 5xx: the last good entry seen before it


def entry_of(obs: Observation) -> Entry | None:
    """A 200 with an Age: stale-if-error covers it until fetched + TTL + STALE_IF_ERROR_TTL.
    A 404 with its max-age: remembered (never stale-if-error) until then. A batch's 404
    items say neither, so they are not counted as usable."""
    if obs.status == 200 and obs.age is not None:
        fetched = obs.sent - obs.age - 1
        return Entry(fetched, fetched + ttl_of(obs.key) + SERVICE.stale_if_error_ttl)
    if obs.status == 404 and obs.max_age is not None:
        # max-age = what is left of NOT_FOUND_CACHE_TTL, so it was fetched at least
        # NOT_FOUND_CACHE_TTL - max-age ago; the store keeps it for that TTL shortened by
        # up to EXPIRY_JITTER (max-age does not say so), so only that much is certain.
        fetched = obs.sent + obs.max_age - SERVICE.not_found_cache_ttl
        kept = SERVICE.not_found_cache_ttl * (1 - SERVICE.expiry_jitter)
        return Entry(fetched, fetched + kept)
    return None


@dataclass
class Tally:
    by_status: Counter = field(default_factory=Counter)
    items_by_status: Counter = field(default_factory=Counter)
    by_route: Counter = field(default_factory=Counter)
    unanswered: int = 0
    unanswered_examples: list[str] = field(default_factory=list)
    wrong: int = 0
    wrong_examples: list[str] = field(default_factory=list)
    checked: int = 0
    last_good: dict[str, Entry] = field(default_factory=dict)
    failures: list[Observation] = field(default_factory=list)  # 5xx, classified at the end
    # (fetched no earlier than, received, fetched in the foreground): answers fetched afresh
    fresh: list[tuple[float, float, bool]] = field(default_factory=list)
    keys: dict[str, set] = field(
        default_factory=lambda: {"user": set(), "course": set(), "roster": set()}
    )

    def observe(self, obs: Observation) -> None:
        self.keys[obs.key.split(":", 1)[0]].add(obs.key)
        if obs.status >= 500:
            obs.previous = self.last_good.get(obs.key)
            self.failures.append(obs)
            return
        entry = entry_of(obs)
        previous = self.last_good.get(obs.key)
        if entry is not None and (previous is None or entry.fetched >= previous.fetched):
            self.last_good[obs.key] = entry

    def mismatch(self, what: str) -> None:
        self.wrong += 1
        if len(self.wrong_examples) < 10:
            self.wrong_examples.append(what)


def max_age(cache_control: str) -> int | None:
    for part in cache_control.split(","):
        name, _, value = part.strip().partition("=")
        if name == "max-age" and value.isdigit():
            return int(value)
    return None


def user_path(name: str) -> str:
    return "/api/users/" + quote(name.replace(" ", "_"), safe="")


def course_path(slug: str) -> str:
    school, title = slug.split("/", 1)
    return f"/api/courses/{quote(school, safe='')}/{quote(title, safe='')}"


class Traffic:
    """Closed-loop clients drawing requests from the population; every answer checked."""

    def __init__(self, base_url: str, names: list[str], slugs: list[str], truth: Truth, seed: int):
        self.base_url = base_url
        self.rng = random.Random(seed)
        self.names = Zipf(names, 1.05, self.rng)
        self.slugs = Zipf(slugs, 1.0, self.rng)
        self.routes = list(ROUTES)
        self.weights = list(ROUTES.values())
        self.truth = truth
        self.tally = Tally()
        self.go = asyncio.Event()
        self.stopping = False

    async def run(self, clients: int) -> None:
        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
        async with httpx.AsyncClient(
            base_url=self.base_url, timeout=CLIENT_TIMEOUT, limits=limits
        ) as http:
            await asyncio.gather(*(self._client(http) for _ in range(clients)))

    async def _client(self, http: httpx.AsyncClient) -> None:
        while not self.stopping:
            if not self.go.is_set():
                await self.go.wait()
                continue
            route = self.rng.choices(self.routes, weights=self.weights)[0]
            await self._one(http, route)

    async def _one(self, http: httpx.AsyncClient, route: str) -> None:
        tally = self.tally
        tally.by_route[route] += 1
        if route in ("course", "roster"):
            slug = str(self.slugs.draw())
            path, keys = course_path(slug) + ("/users" if route == "roster" else ""), [slug]
        elif route == "batch":
            keys = list(
                dict.fromkeys(str(self.names.draw()) for _ in range(self.rng.randint(3, 12)))
            )
            path = "/api/users?usernames=" + quote("|".join(keys), safe="")
        else:
            name = str(self.names.draw())
            keys = [name]
            suffix = {"user": "", "enrich": "?enrich=true", "status": "/status"}.get(
                route, "/active-staff"
            )
            path = user_path(name) + suffix
        sent = time.time()
        try:
            response = await http.get(path)
        except httpx.HTTPError as error:
            tally.unanswered += 1
            if len(tally.unanswered_examples) < 5:
                tally.unanswered_examples.append(f"{route} {path}: {type(error).__name__}")
            return
        received = time.time()
        tally.by_status[response.status_code] += 1
        age_text = response.headers.get("age")
        age = int(age_text) if age_text and age_text.isdigit() else None
        if response.status_code in (200, 404):
            # Fetched afresh: in the foreground for this very answer, or so recently that
            # it must have been fetched after `since` (Age is whole seconds, floored).
            missed = "fwd=miss" in response.headers.get("cache-status", "")
            since = sent if missed else (sent - age - 1 if age is not None else None)
            if since is not None:
                tally.fresh.append((since, received, missed))
        body = (
            response.json()
            if response.headers.get("content-type", "").startswith("application/json")
            else {}
        )
        if route == "batch" and response.status_code == 200:
            for item in body["users"]:
                tally.items_by_status[item["status"]] += 1
                obs = Observation(f"user:{item['username']}", item["status"], sent, received, age)
                tally.observe(obs)
                self._check_status_answer(item["username"], item["status"], item.get("result"), obs)
            return
        kind = {"course": "course", "roster": "roster"}.get(route, "user")
        obs = Observation(f"{kind}:{keys[0]}", response.status_code, sent, received, age)
        if response.status_code == 404:
            obs.max_age = max_age(response.headers.get("cache-control", ""))
        tally.observe(obs)
        if response.status_code not in (200, 404):
            return
        if kind == "user":
            self._check_user(route, keys[0], response.status_code, body, obs)
        elif kind == "course":
            self._check_course(keys[0], response.status_code, body, obs)
        else:
            self._check_roster(keys[0], response.status_code, body)

    def _window(self, obs: Observation) -> tuple[float, float]:
        return obs.sent - (obs.age or 0) - 1, obs.received

    def _check_user(self, route: str, name: str, status: int, body: dict, obs: Observation) -> None:
        if route == "active-staff":  # its staff lists are not checked, only who it knows
            self.tally.checked += 1
            candidates = self.truth.user(name, *self._window(obs))
            if (status == 404 and None not in candidates) or (
                status == 200 and candidates == [None]
            ):
                self.tally.mismatch(f"{route} {name}: {status}")
            return
        if route == "status":
            self._check_status_answer(name, status, body if status == 200 else None, obs)
            return
        self.tally.checked += 1
        candidates = self.truth.user(name, *self._window(obs))
        if status == 404:
            if None not in candidates:
                self.tally.mismatch(f"{route} {name}: 404, the Dashboard has them")
            return
        seen = answered_courses(body)
        if not any(c is not None and expected_courses(c) == seen for c in candidates):
            self.tally.mismatch(f"{route} {name} (age {obs.age}): {seen[:3]}...")

    def _check_status_answer(
        self, name: str, status: int, result: dict | None, obs: Observation
    ) -> None:
        if status not in (200, 404):
            return
        self.tally.checked += 1
        candidates = self.truth.user(name, *self._window(obs))
        if status == 404:
            if None not in candidates:
                self.tally.mismatch(f"status {name}: 404, the Dashboard has them")
            return
        count = result["course_count"] if result else None
        if not any(c is not None and distinct_courses(c) == count for c in candidates):
            self.tally.mismatch(f"status {name} (age {obs.age}): course_count {count}")

    def _check_course(self, slug: str, status: int, body: dict, obs: Observation) -> None:
        self.tally.checked += 1
        candidates = self.truth.course(slug, *self._window(obs))
        if status == 404:
            if None not in candidates:
                self.tally.mismatch(f"course {slug}: 404, the Dashboard has it")
            return
        count = body.get("student_count")
        if not any(c is not None and c["course"]["student_count"] == count for c in candidates):
            self.tally.mismatch(f"course {slug} (age {obs.age}): student_count {count}")

    def _check_roster(self, slug: str, status: int, body: dict) -> None:
        self.tally.checked += 1
        expected = self.truth.roster(slug)
        if status == 404:
            if expected is not None:
                self.tally.mismatch(f"roster {slug}: 404, the Dashboard has it")
            return
        seen = (
            sorted(row["username"] for row in body["facilitators"]),
            sorted(row["username"] for row in body["participants"]),
        )
        if expected is None or seen != (sorted(expected[0]), sorted(expected[1])):
            self.tally.mismatch(f"roster {slug}: {seen}")


# --- classification of 5xx ------------------------------------------------------------------


def ttl_of(key: str) -> float:
    kind = key.split(":", 1)[0]
    return {
        "user": SERVICE.user_cache_ttl,
        "course": SERVICE.course_cache_ttl,
        "roster": SERVICE.course_users_cache_ttl,
    }[kind]


def usable(previous: Entry | None, at: float) -> bool:
    """Whether the entry behind the last good answer could still be answered at `at`."""
    return previous is not None and at < previous.usable_until


def out_of_reach(fetched: float, sent: float, received: float, redis: list[Window]) -> bool:
    """Whether Redis could not give the entry to the worker asked (which may never have
    held a copy of its own): Redis was paused or restarting around the request (workers use
    it again only REDIS_RETRY_INTERVAL after a failure), or when the entry was fetched
    (what a worker fetches then goes to its own tier alone), or our keys may have been
    evicted or lost since it was fetched."""
    for window in redis:
        end = window.end if window.end is not None else float("inf")
        if window.name in ("pause", "restart"):
            if window.start <= received and sent <= end + REDIS_TAIL:
                return True
            if window.start <= fetched + FETCH_SLACK and fetched <= end + REDIS_TAIL:
                return True
        if window.name in ("squeeze", "restart") and window.start <= received and fetched <= end:
            return True
    return False


def classify_failures(
    tally: Tally, redis: list[Window], origin: float
) -> tuple[dict[str, int], list[str]]:
    """5xx answers by what was stored for them, and examples of those that had a usable
    entry with Redis healthy (seconds into the chaos)."""
    counts: Counter = Counter()
    examples: list[str] = []
    for obs in tally.failures:
        previous = obs.previous
        if previous is None or not usable(previous, obs.sent):
            counts["no usable entry"] += 1
        elif out_of_reach(previous.fetched, obs.sent, obs.received, redis):
            counts["usable, out of reach"] += 1
        else:
            counts["usable"] += 1
            if len(examples) < 10:
                examples.append(
                    f"{obs.key}: {obs.status} at {obs.sent - origin:+.1f} s, fetched from "
                    f"{previous.fetched - origin:+.1f} s, usable to "
                    f"{previous.usable_until - origin:+.1f} s"
                )
    return dict(counts), examples


def recoveries(tally: Tally, dashboard: list[Window], origin: float) -> list[Recovery]:
    """For each Dashboard fault: how long after its end the first answer fetched afresh
    arrived, and the first cold lookup answered (None: none before the next fault)."""
    starts = sorted(w.start for w in dashboard)
    rows = []
    for window in dashboard:
        if window.end is None:
            continue
        end = window.end
        limit = next((start for start in starts if start > end), float("inf"))
        after = [
            (recv, missed) for since, recv, missed in tally.fresh if since >= end and recv < limit
        ]
        first = min((recv for recv, _ in after), default=None)
        cold = min((recv for recv, missed in after if missed), default=None)
        rows.append(
            Recovery(
                window.name,
                end - origin,
                None if first is None else first - end,
                None if cold is None else cold - end,
            )
        )
    return rows


# --- the run ---------------------------------------------------------------------------------


@dataclass
class Recovery:
    fault: str
    ended: float  # seconds into the chaos
    fresh_after: float | None  # first answer whose data was fetched after the end
    cold_after: float | None  # first answer fetched in the foreground (a cold lookup)


@dataclass
class WorkerSample:
    rss_mib: dict[int, float]
    tasks: dict[int, int]
    upstream: dict[str, float]


@dataclass
class SoakResult:
    seconds: float
    answered: int
    by_status: dict[int, int]
    items_by_status: dict[int, int]
    by_route: dict[str, int]
    unanswered: int
    unanswered_examples: list[str]
    failures: dict[str, int]
    usable_examples: list[str]
    checked: int
    wrong: int
    wrong_examples: list[str]
    upstream_received: dict[str, int]
    upstream_attempted: dict[str, float]
    distinct_keys: dict[str, int]
    recoveries: list[Recovery]
    start: WorkerSample
    end: WorkerSample
    faults: list[tuple[str, str, float, float | None]]
    fault_errors: list[str]
    evicted: int

    @property
    def five_xx_with_usable_entry(self) -> int:
        return self.failures.get("usable", 0)


def sample(server: ServeProcess) -> WorkerSample:
    pids = server.worker_pids()
    texts = scrape_workers(server.base_url, pids)
    upstream: Counter = Counter()
    for text in texts.values():
        upstream.update(upstream_attempts(text))
    return WorkerSample(
        rss_mib={pid: rss_mib(pid) for pid in pids},
        tasks={pid: tasks_of(texts[pid]) if pid in texts else -1 for pid in pids},
        upstream=dict(upstream),
    )


def run_soak(seconds: float = 60.0, *, clients: int = 8, seed: int = 11, warmup: float = 5.0,
             log_dir: Path | None = None, stats_out: Path | None = None) -> SoakResult:  # fmt: skip
    """The whole soak: `seconds` of chaos (whole minutes of faults; a part minute runs the
    first faults of the cycle) after `warmup` seconds of healthy traffic."""
    log_dir = log_dir or Path(tempfile.mkdtemp(prefix="outreach-helper-soak-"))
    rng = random.Random(seed)
    fake = FakeDashboard().start()
    redis = ChaosRedis().start()
    env = {
        name.upper(): str(value)
        for name, value in SERVICE.model_dump().items()
        if value is not None
    }
    env.update(OUTREACH_BASE_URL=fake.base_url, REDIS_URL=redis.url, REDIS_KEY_PREFIX="soak:")
    env.pop("REDIS_HOST", None)
    server = ServeProcess(env, log_dir / "serve.log")
    try:
        server.start()
        return asyncio.run(
            _drive(fake, redis, server, rng, seconds, clients, seed, warmup, stats_out)
        )
    finally:
        server.stop()
        fake.stop()
        redis.cleanup()


async def _drive(fake: FakeDashboard, redis: ChaosRedis, server: ServeProcess, rng: random.Random,
                 seconds: float, clients: int, seed: int, warmup: float,
                 stats_out: Path | None = None) -> SoakResult:  # fmt: skip
    names, slugs = population(rng, fake.dataset)
    origin = time.time()
    until = origin + warmup + seconds + 60
    users, courses = changing_versions(fake.dataset, origin, until)
    changes: dict[tuple[str, str], list[float]] = {}
    for name, versions in users.items():
        fake.schedule("user", name, versions)
        changes[("user", name)] = [at for at, _ in versions]
    for slug, versions in courses.items():
        fake.schedule("course", slug, versions)
        changes[("course", slug)] = [at for at, _ in versions]
    traffic = Traffic(server.base_url, names, slugs, Truth(fake, changes), seed)
    fake.reset()
    runner = asyncio.create_task(traffic.run(clients))

    traffic.go.set()
    await asyncio.sleep(warmup)
    traffic.go.clear()
    await asyncio.sleep(1.5)  # in-flight requests end; their background work too
    start = await asyncio.to_thread(sample, server)

    log = FaultLog()
    minutes = max(1, int(-(-seconds // 60)))
    driver = FaultDriver(fake, redis, minutes, log)
    chaos_started = time.time()
    traffic.go.set()
    driver.start()
    await asyncio.sleep(seconds)
    driver.stop_requested.set()
    await asyncio.to_thread(driver.join, 30)
    fake.reset_knobs()
    if not fake.is_up:
        fake.up()
    await asyncio.sleep(3)  # a few seconds of calm: recovery is measured too
    traffic.stopping = True
    traffic.go.set()
    await runner
    await asyncio.sleep(2)  # background refreshes finish
    end = await asyncio.to_thread(sample, server)
    if stats_out is not None:
        await asyncio.to_thread(save_stats, server.base_url, stats_out)
    elapsed = time.time() - origin

    tally = traffic.tally
    failures, usable_examples = classify_failures(tally, log.of("redis"), chaos_started)
    return SoakResult(
        seconds=elapsed,
        answered=sum(tally.by_status.values()),
        by_status=dict(sorted(tally.by_status.items())),
        items_by_status=dict(sorted(tally.items_by_status.items())),
        by_route=dict(tally.by_route),
        unanswered=tally.unanswered,
        unanswered_examples=tally.unanswered_examples,
        failures=failures,
        usable_examples=usable_examples,
        checked=tally.checked,
        wrong=tally.wrong,
        wrong_examples=tally.wrong_examples,
        upstream_received={k: v for k, v in fake.counts.items() if k != "other"},
        upstream_attempted={k: end.upstream.get(k, 0) for k in end.upstream},
        distinct_keys={kind: len(keys) for kind, keys in tally.keys.items()},
        recoveries=recoveries(tally, log.of("dashboard"), chaos_started),
        start=start,
        end=end,
        faults=[
            (
                w.kind,
                w.name,
                w.start - chaos_started,
                None if w.end is None else w.end - chaos_started,
            )
            for w in log.windows
        ],  # fmt: skip
        fault_errors=driver.errors,
        evicted=driver.evicted,
    )


# --- the report ------------------------------------------------------------------------------


def _seconds(value: float | None) -> str:
    return "none before the next fault" if value is None else f"{value:.2f}"


def report(result: SoakResult) -> str:
    """The figures as markdown tables (what the README quotes)."""
    minutes = result.seconds / 60
    failures = result.failures
    statuses = ", ".join(f"{code}: {n}" for code, n in result.by_status.items())
    items = ", ".join(f"{code}: {n}" for code, n in result.items_by_status.items())
    lines = [
        f"Chaos soak: {result.seconds:.0f} s in all, {result.answered} answers",
        "",
        "| measure | figure |",
        "|---|---|",
        f"| requests answered | {result.answered} ({result.answered / result.seconds:.0f}/s) |",
        f"| by status | {statuses} |",
        f"| batch items by status | {items} |",
        f"| not answered within {CLIENT_TIMEOUT:.0f} s | {result.unanswered} |",
        f"| 5xx with a usable entry, Redis healthy (must be 0) | {failures.get('usable', 0)} |",
        "| 5xx with a usable entry out of reach (Redis paused, restarted or evicting) "
        f"| {failures.get('usable, out of reach', 0)} |",
        "| 5xx with nothing usable (cold, or a remembered 404 expired) "
        f"| {failures.get('no usable entry', 0)} |",
        f"| answers checked against the Dashboard's data | {result.checked} |",
        f"| wrong data (must be 0) | {result.wrong} |",
        f"| our keys evicted by the squeezes | {result.evicted} |",
        "",
        "| endpoint | received by the fake | per minute | sent by the workers "
        "| distinct keys asked |",
        "|---|---|---|---|---|",
    ]
    asked = {"user_stats": "user", "course": "course", "users": "roster"}
    for endpoint, received in result.upstream_received.items():
        sent = result.upstream_attempted.get(endpoint, 0)
        if endpoint not in asked and not (received or sent):
            continue  # an endpoint the soak's traffic never needs (the bulk lists)
        keys = result.distinct_keys.get(asked.get(endpoint, endpoint), 0)
        lines.append(
            f"| {endpoint} | {received} | {received / minutes:.0f} | {sent:.0f} | {keys} |"
        )
    lines += [
        "",
        "| Dashboard fault | ended at (s) | first answer fetched afresh (s after) "
        "| first cold lookup answered (s after) |",
        "|---|---|---|---|",
    ]
    for row in result.recoveries:
        lines.append(
            f"| {row.fault} | {row.ended:.1f} | {_seconds(row.fresh_after)} "
            f"| {_seconds(row.cold_after)} |"
        )
    lines += [
        "",
        "| worker | RSS start (MiB) | RSS end (MiB) | asyncio tasks start | tasks end |",
        "|---|---|---|---|---|",
    ]
    for index, pid in enumerate(sorted(result.start.rss_mib), start=1):
        end_rss = result.end.rss_mib.get(pid, float("nan"))
        lines.append(
            f"| {index} | {result.start.rss_mib[pid]:.0f} | {end_rss:.0f} "
            f"| {result.start.tasks.get(pid)} | {result.end.tasks.get(pid)} |"
        )
    faults = Counter(f"{kind} {name}" for kind, name, _, _ in result.faults)
    lines += ["", "Faults injected: " + ", ".join(f"{name} x{n}" for name, n in faults.items())]
    extras = (
        ("wrong data", result.wrong_examples),
        ("5xx with a usable entry", result.usable_examples),
        ("not answered", result.unanswered_examples),
        ("faults that failed", result.fault_errors),
    )
    for title, examples in extras:
        if examples:
            lines += [f"{title}:"] + [f"  {example}" for example in examples]
    return "\n".join(lines)


def save_stats(base_url: str, directory: Path) -> None:
    """The maintainer's page and its data over the last hour, as the soak left them (the
    page is self-contained: it can be opened from the file)."""
    directory.mkdir(parents=True, exist_ok=True)
    time.sleep(6)  # one more flush of every worker (STATS_FLUSH_INTERVAL)
    for path, name in (("/stats?range=1h", "stats.html"), ("/stats.json?range=1h", "stats.json")):
        response = httpx.get(base_url + path, timeout=30)
        response.raise_for_status()
        (directory / name).write_bytes(response.content)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench/soak.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=int, default=3, help="minutes of chaos (default 3)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--stats-out", type=Path, help="save /stats and /stats.json here, at the end"
    )
    args = parser.parse_args(argv)
    if args.minutes < 1:
        parser.error("--minutes must be at least 1")
    result = run_soak(
        60.0 * args.minutes, clients=args.clients, seed=args.seed, stats_out=args.stats_out
    )
    print(report(result), flush=True)


if __name__ == "__main__":
    main()
