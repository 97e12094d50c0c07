"""Capacity model: a large wiki's day of gadget traffic, today's batch route against
/api/participants, side by side; and the issue's targets for the participants route.

    .venv/bin/python bench/capacity.py [--hours 24] [--compression 300] [--plot docs/capacity.png]
    .venv/bin/python bench/capacity.py --targets
    .venv/bin/python bench/capacity.py --list-views 10 --user-views 10 --points A.json --plot ''
    .venv/bin/python bench/capacity.py --also A.json     # the README's plot: both days

The day: a seeded large world (`build_large_world`: `--courses` courses of which
`--current` run now, `--enrollments` roster rows over `--people` people, most in ended
courses) served by the fake Dashboard (in this process, `--latency` seconds a request),
a population of editors (the world's people plus `--outsiders` names in no course at
all), and gadget users whose list views (Recent changes, watchlists, histories: pages
of 50 to 250 rows, the names drawn from a Zipf law over the population; the gadget sends
a page's distinct names in batches of 50) and user-page views (`/api/users/{u}/status`)
follow a daily curve (quietest at 04:00, busiest at 16:00). Enrollments into current
courses arrive through the day (`fake.enroll`). The very same traffic goes at once to two
`outreach-helper serve --workers 2` over one private Redis (two key prefixes): one whose
list views use `GET /api/users?usernames=` (today's batch route), one whose list views
use `GET /api/participants?usernames=`. The fake tells the two apart by the User-Agent
(`CONTACT`), so each gets its own count of Dashboard requests per simulated hour and
endpoint.

The day is compressed: the service keeps the wall clock, so every freshness window
(USER_CACHE_TTL, COURSE_CACHE_TTL, COURSE_USERS_CACHE_TTL, NOT_FOUND_CACHE_TTL,
PARTICIPANTS_TTL, COURSE_LIST_TTL, STALE_WHILE_REVALIDATE_TTL) is divided by
`--compression` (300: a simulated hour lasts 12 s, PARTICIPANTS_TTL 3600 s becomes 12 s),
and so is the traffic's time axis. The traffic per simulated hour is what a simulated
hour gets, not what a real wiki sends: the Capacity section of the README scales it.
While the day runs, every newly enrolled name is polled on /api/participants until it is
marked: the time from an enrollment to its mark, against PARTICIPANTS_TTL plus the
refresh's own time (from the server's log).

Reported: requests to each service (by kind, status, median and p95 latency, how late
the driver was), Dashboard requests per simulated hour by endpoint for each route, the
Redis bytes of each prefix and of the knowledge keys, worker RSS and CPU, and a PNG of
Dashboard requests per simulated hour against the distinct names shown that hour.

`--targets` (default freshness, no compression; a fresh world and servers): (a) 2,000
distinct names, 100 of them current participants, in batches of 50, 4 at a time, on
/api/participants and, same names, on /api/users?usernames=: Dashboard requests in all
against the bound 2 x (current courses) + 10, and user_stats requests; (b) wrk, 2
workers over Redis: `/healthz`, warm /api/participants with the same 50 names, and 50
names never asked before at every request (a wrk Lua script), best of `--rounds`,
ratios in one run; (c) knowledge bytes in Redis per current participant.
Needs wrk and redis-server (see scripts/bench).
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import math
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx
import redis

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from bench.run import BROWSER_ENCODINGS, ensure_wrk  # noqa: E402
from bench.soak_support import ServeProcess, rss_mib  # noqa: E402
from outreach_helper.demo.dataset import Dataset, build_large_world  # noqa: E402
from outreach_helper.settings import Settings  # noqa: E402
from tests.fakedash.server import FakeDashboard  # noqa: E402
from tests.servers import RedisServer  # noqa: E402

HOUR = 3600.0
SCALED = ("user_cache_ttl", "course_cache_ttl", "course_users_cache_ttl", "not_found_cache_ttl",
          "participants_ttl", "course_list_ttl", "stale_while_revalidate_ttl")  # fmt: skip
ROUTES = ("batch", "participants")
PATHS = {"batch": "/api/users?usernames=", "participants": "/api/participants?usernames="}
PAGE_ROWS = ((50, 0.6), (100, 0.3), (250, 0.1))  # rows a list view shows, and how often
CLK_TCK = os.sysconf("SC_CLK_TCK")


# --- the world and the traffic --------------------------------------------------------------


def build_world(args: argparse.Namespace) -> Dataset:
    started = time.monotonic()
    world = build_large_world(
        courses=args.courses, people=args.people, enrollments=args.enrollments,
        current=args.current, future=args.future, seed=args.seed,
    )  # fmt: skip
    print(f"world: {args.courses} courses ({args.current} current, {args.future} future), "
          f"{args.enrollments} enrollments over {args.people} people, "
          f"built in {time.monotonic() - started:.0f} s", flush=True)  # fmt: skip
    return world


def current_slugs(world: Dataset) -> list[str]:
    return [slug for slug in world.public_slugs if world.is_active(slug)]


def current_people(world: Dataset) -> set[str]:
    """Names with role 0 or 1 in a nonprivate current course: the participants route's keys."""
    names: set[str] = set()
    for slug in current_slugs(world):
        names.update(row["username"] for row in world.roster(slug) if row["role"] in (0, 1))
    return names


def population(world: Dataset, outsiders: int, rng: random.Random) -> list[str]:
    """Every editor who can show up in a list, most active first (Zipf rank order)."""
    names = sorted(world.users) + [f"Passing Editor {n:06d}" for n in range(outsiders)]
    rng.shuffle(names)
    return names


def diurnal(hour: float) -> float:
    """Traffic relative to the busiest hour: 0.35 at 04:00, 1.0 at 16:00."""
    return 0.35 + 0.65 * (1 - math.cos(2 * math.pi * (hour - 4) / 24)) / 2


@dataclass
class Event:
    at: float  # simulated seconds from the start of the day
    kind: str  # "list" | "status" | "enroll"
    names: list[str]
    slug: str = ""


def schedule(args: argparse.Namespace, people: list[str], slugs: list[str],
             rng: random.Random) -> list[Event]:  # fmt: skip
    cum = list(_accumulate(1.0 / (rank + 1) ** args.zipf for rank in range(len(people))))
    total = cum[-1]

    def draw() -> str:
        return people[bisect.bisect_left(cum, rng.random() * total)]

    events: list[Event] = []
    for hour in range(args.hours):
        load = diurnal(hour + 0.5)
        for _ in range(round(args.list_views * load)):
            at = (hour + rng.random()) * HOUR
            rows = rng.choices([r for r, _ in PAGE_ROWS], [w for _, w in PAGE_ROWS])[0]
            shown = list(dict.fromkeys(draw() for _ in range(rows)))
            for start in range(0, len(shown), 50):
                events.append(Event(at, "list", shown[start : start + 50]))
        for _ in range(round(args.user_views * load)):
            events.append(Event((hour + rng.random()) * HOUR, "status", [draw()]))
    enrolled: set[tuple[str, str]] = set()
    for _ in range(round(args.new_enrollments * args.hours / 24)):
        slug, name = rng.choice(slugs), draw()
        if (slug, name) not in enrolled:
            enrolled.add((slug, name))
            events.append(Event(rng.random() * args.hours * HOUR, "enroll", [name], slug))
    events.sort(key=lambda e: e.at)
    return events


def _accumulate(values):  # noqa: ANN001, ANN202 - itertools.accumulate, typed loosely
    running = 0.0
    for value in values:
        running += value
        yield running


# --- the servers ------------------------------------------------------------------------------


def service_env(fake: FakeDashboard, redis_url: str, route: str, compression: float) -> dict:
    defaults = Settings(_env_file=None)
    env = {name.upper(): str(max(1, round(getattr(defaults, name) / compression)))
           for name in SCALED}  # fmt: skip
    env.update(OUTREACH_BASE_URL=fake.base_url, REDIS_URL=redis_url, LOG_LEVEL="INFO",
               REDIS_KEY_PREFIX=f"capacity-{route}:", CONTACT=f"capacity-{route}")  # fmt: skip
    return env


def route_of(request) -> str | None:  # noqa: ANN001 - a RecordedRequest
    agent = request.headers.get("user-agent", "")
    return next((route for route in ROUTES if f"capacity-{route}" in agent), None)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def redis_bytes(client: redis.Redis, prefix: str) -> tuple[int, int, dict[str, int]]:
    """(keys, bytes of all keys under the prefix, bytes of each knowledge key)."""
    total, keys, knowledge = 0, 0, {}
    for key in client.scan_iter(match=f"{prefix}*", count=1000):
        size = client.memory_usage(key, samples=0) or 0
        total += size
        keys += 1
        name = key.decode()
        if "current-courses" in name or "course-list" in name:
            knowledge[name.removeprefix(prefix)] = size
    return keys, total, knowledge


def refresh_seconds(log_path: Path) -> list[float]:
    """How long each build of the participants knowledge took, from the server's log."""
    found = []
    for line in log_path.read_text(errors="replace").splitlines():
        if "participants knowledge built" in line:
            match = re.search(r"seconds\W+([0-9.]+)", line)
            if match:
                found.append(float(match.group(1)))
    return found


# --- the day ----------------------------------------------------------------------------------


@dataclass
class Served:
    hour: int
    kind: str
    status: int
    seconds: float
    late: float


@dataclass
class DayResult:
    served: dict[str, list[Served]] = field(default_factory=lambda: {r: [] for r in ROUTES})
    marks: list[float] = field(default_factory=list)  # enrollment -> mark, real seconds
    unmarked: int = 0


def _url(route: str, event: Event) -> str:
    if event.kind == "status":
        return f"/api/users/{quote(event.names[0].replace(' ', '_'), safe='')}/status"
    return PATHS[route] + quote("|".join(event.names), safe="")


async def drive_day(events: list[Event], servers: dict[str, ServeProcess], fake: FakeDashboard,
                    compression: float, concurrency: int) -> DayResult:  # fmt: skip
    result = DayResult()
    start = time.monotonic() + 1.0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    clients = {route: httpx.AsyncClient(base_url=servers[route].base_url, timeout=60,
                                        limits=limits) for route in ROUTES}  # fmt: skip
    probe = httpx.AsyncClient(base_url=servers["participants"].base_url, timeout=30)
    probes: list[asyncio.Task] = []

    async def one(route: str, event: Event, due: float, slots: asyncio.Semaphore) -> None:
        async with slots:
            sent = time.monotonic()
            try:
                status = (await clients[route].get(_url(route, event),
                                                   headers={"Accept-Encoding": BROWSER_ENCODINGS})
                          ).status_code  # fmt: skip
            except httpx.HTTPError:
                status = 0
            result.served[route].append(Served(int(event.at // HOUR), event.kind, status,
                                               time.monotonic() - sent, sent - due))  # fmt: skip

    async def watch(name: str, enrolled_at: float) -> None:
        """Poll the participants route for a newly enrolled name until it is marked."""
        deadline = enrolled_at + 10 * (HOUR / compression) + 60
        while time.monotonic() < deadline:
            answer = await probe.get(PATHS["participants"] + quote(name, safe=""))
            if answer.status_code == 200 and name in answer.json().get("participants", {}):
                result.marks.append(time.monotonic() - enrolled_at)
                return
            await asyncio.sleep(0.25)
        result.unmarked += 1

    async def route_driver(route: str) -> None:
        slots = asyncio.Semaphore(concurrency)
        tasks = []
        for event in events:
            if event.kind == "enroll":
                continue
            due = start + event.at / compression
            if (wait := due - time.monotonic()) > 0:
                await asyncio.sleep(wait)
            tasks.append(asyncio.create_task(one(route, event, due, slots)))
        await asyncio.gather(*tasks)

    async def enroller() -> None:
        for event in events:
            if event.kind != "enroll":
                continue
            due = start + event.at / compression
            if (wait := due - time.monotonic()) > 0:
                await asyncio.sleep(wait)
            name = event.names[0]
            already = name in current_people_cache
            await asyncio.to_thread(fake.enroll, event.slug, name, 0)
            if not already:
                current_people_cache.add(name)
                probes.append(asyncio.create_task(watch(name, time.monotonic())))

    current_people_cache = current_people(fake.dataset)
    try:
        await asyncio.gather(route_driver("batch"), route_driver("participants"), enroller())
        await asyncio.gather(*probes)
    finally:
        for client in (*clients.values(), probe):
            await client.aclose()
    result.start = start  # type: ignore[attr-defined]
    return result


def run_day(args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    world = build_world(args)
    slugs = current_slugs(world)
    keys = current_people(world)
    people = population(world, args.outsiders, rng)
    events = schedule(args, people, slugs, rng)
    hours = args.hours
    shown: dict[int, set[str]] = defaultdict(set)
    for event in events:
        if event.kind == "list":
            shown[int(event.at // HOUR)].update(event.names)
    kinds = Counter(e.kind for e in events)
    print(f"population: {len(people)} editors ({len(world.users)} known to the Dashboard, "
          f"{len(keys)} in a current course, {args.outsiders} in none); "
          f"{args.hours} simulated hours at 1/{args.compression:g} "
          f"(a simulated hour lasts {HOUR / args.compression:.0f} s); requests per route: "
          f"{kinds['list']} list batches, {kinds['status']} status; "
          f"{kinds['enroll']} enrollments", flush=True)  # fmt: skip
    fake = FakeDashboard(dataset=world)
    fake.latency = args.latency
    fake.start()
    redis_server = RedisServer().start()
    log_dir = Path(tempfile.mkdtemp(prefix="outreach-helper-capacity-"))
    servers = {route: ServeProcess(service_env(fake, redis_server.url, route, args.compression),
                                   log_dir / f"{route}.log") for route in ROUTES}  # fmt: skip
    env = service_env(fake, redis_server.url, "participants", args.compression)
    print("compressed windows: " + ", ".join(f"{n.upper()}={env[n.upper()]}" for n in SCALED))
    try:
        for server in servers.values():
            server.start()
        fake.reset()
        cpu0 = {route: {pid: cpu_seconds(pid) for pid in servers[route].worker_pids()}
                for route in ROUTES}  # fmt: skip
        wall0 = time.monotonic()
        result = asyncio.run(drive_day(events, servers, fake, args.compression, args.concurrency))
        wall = time.monotonic() - wall0
        cpu = {route: {pid: cpu_seconds(pid) - before for pid, before in cpu0[route].items()}
               for route in ROUTES}  # fmt: skip
        rss = {route: [rss_mib(pid) for pid in servers[route].worker_pids()] for route in ROUTES}
        with redis.Redis.from_url(redis_server.url) as client:
            stored = {route: redis_bytes(client, f"capacity-{route}:") for route in ROUTES}
            used = client.info("memory")["used_memory"]
        refreshes = refresh_seconds(log_dir / "participants.log")
        upstream: dict[str, dict[int, Counter]] = {r: defaultdict(Counter) for r in ROUTES}
        for request in fake.requests:
            route = route_of(request)
            if route is None:
                continue
            hour = int((request.received_at - result.start) * args.compression // HOUR)
            upstream[route][min(max(hour, 0), hours - 1)][request.endpoint] += 1
    finally:
        for server in servers.values():
            server.stop()
        fake.stop()
        redis_server.cleanup()

    print(f"\nran in {wall:.0f} s; server logs in {log_dir}\n")
    print(
        "| route | service requests | answers by status | median ms | p95 ms | driver late p95 s |"
    )
    print("|---|---|---|---|---|---|")
    for route in ROUTES:
        rows = result.served[route]
        took = sorted(s.seconds * 1000 for s in rows)
        late = sorted(s.late for s in rows)
        bad = ", ".join(
            f"{code}: {n}" for code, n in sorted(Counter(s.status for s in rows).items())
        )
        print(
            f"| {route} | {len(rows)} | {bad} | {statistics.median(took):.0f} | "
            f"{took[int(len(took) * 0.95)]:.0f} | {late[int(len(late) * 0.95)]:.2f} |"
        )
    endpoints = sorted({e for r in ROUTES for h in upstream[r].values() for e in h})
    print(
        "\nDashboard requests per simulated hour, by endpoint (names: distinct names in "
        "that hour's list views)\n"
    )
    print(
        "| hour | names | "
        + " | ".join(f"{r} {e}" for r in ROUTES for e in endpoints)
        + " | batch total | participants total |"
    )
    print("|---" * (3 + len(endpoints) * 2 + 1) + "|")
    totals = {r: Counter() for r in ROUTES}
    points = []
    for hour in range(hours):
        cells = []
        for route in ROUTES:
            totals[route].update(upstream[route][hour])
            cells += [str(upstream[route][hour][e]) for e in endpoints]
        per = [sum(upstream[r][hour].values()) for r in ROUTES]
        points.append((hour, len(shown[hour]), *per))
        print(
            f"| {hour:02d} | {len(shown[hour])} | "
            + " | ".join(cells)
            + f" | {per[0]} | {per[1]} |"
        )
    for route in ROUTES:
        print(
            f"{route}: {sum(totals[route].values())} Dashboard requests in the day: "
            + ", ".join(f"{e} {n}" for e, n in totals[route].most_common())
        )
    day_names = set().union(*shown.values()) if shown else set()
    print(
        f"distinct names shown in the day: {len(day_names)} "
        f"({len(day_names & keys)} of them current participants at the start)"
    )
    print(
        "\n| route | Redis keys | Redis bytes | knowledge keys (bytes) | worker RSS MiB | "
        "worker CPU s (share of the run) |"
    )
    print("|---|---|---|---|---|---|")
    for route in ROUTES:
        keys_n, total, knowledge = stored[route]
        cpus = list(cpu[route].values())
        print(
            f"| {route} | {keys_n} | {total} | "
            + (", ".join(f"{k} {v}" for k, v in sorted(knowledge.items())) or "-")
            + f" | {' and '.join(f'{m:.0f}' for m in rss[route])} | "
            + " and ".join(f"{c:.1f} ({c / wall:.0%})" for c in cpus)
            + " |"
        )
    print(f"Redis used_memory (both prefixes, INFO memory): {used}")
    ttl = int(env["PARTICIPANTS_TTL"])
    if refreshes:
        print(
            f"knowledge builds: {len(refreshes)}, seconds each: median "
            f"{statistics.median(refreshes):.2f}, max {max(refreshes):.2f}"
        )
    if result.marks:
        marks = sorted(result.marks)

        def sim(seconds: float) -> float:
            return seconds * args.compression / 60

        print(
            f"enrollment -> mark (real s, {len(marks)} new participants, "
            f"{result.unmarked} never marked): median {statistics.median(marks):.1f}, "
            f"max {marks[-1]:.1f}; bound PARTICIPANTS_TTL {ttl} s + refresh "
            f"{max(refreshes, default=0):.1f} s = {ttl + max(refreshes, default=0):.1f} s "
            f"(x{args.compression:g}: median {sim(statistics.median(marks)):.0f}"
            f" min, max {sim(marks[-1]):.0f} min simulated)"
        )
    if args.points:
        Path(args.points).write_text(json.dumps({"label": day_label(args), "points": points}))
    if args.plot:
        runs = [{"label": day_label(args), "points": points}]
        runs += [json.loads(Path(other).read_text()) for other in args.also]
        plot(runs, Path(args.plot), args)


def day_label(args: argparse.Namespace) -> str:
    return f"{args.list_views} list views in the busiest hour"


def plot(runs: list[dict], path: Path, args: argparse.Namespace) -> None:
    """Dashboard requests per simulated hour against distinct names shown, both routes;
    one marker fill per day run (`--also` adds days saved with `--points`)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 4.5), dpi=110)
    for number, run in enumerate(runs):
        warm = [p for p in run["points"] if p[0] > 0]  # hour 0 holds both cold starts
        for index, (label, color) in enumerate((
            ("GET /api/users?usernames= (today)", "tab:blue"),
            ("GET /api/participants?usernames=", "tab:orange"),
        )):  # fmt: skip
            ax.scatter([p[1] for p in warm], [p[2 + index] for p in warm],
                       label=f"{label}, {run['label']}", color=color,
                       marker="os^D"[number % 4], s=22)  # fmt: skip
    ax.set_xlabel("distinct names shown in list views in the simulated hour")
    ax.set_ylabel("Dashboard requests in the hour")
    ax.set_ylim(bottom=0)
    ax.grid(True, which="both", alpha=0.3)
    ax.set_title(
        f"Simulated days: {args.current} current courses, "
        f"{args.people + args.outsiders:,} editors, Zipf {args.zipf}, hours 1-23",
        fontsize=10,
    )
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    print(f"plot: {path}")


# --- the targets ------------------------------------------------------------------------------

WRK_FRESH = """
-- every request 45 names no request had before (per wrk thread: its own prefix) and 5
-- current participants
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
counter = 0
local names = {%s}
request = function()
  counter = counter + 1
  local parts = {}
  for i = 1, 45 do parts[i] = "Never_Asked_" .. tid .. "_" .. counter .. "_" .. i end
  for i = 1, 5 do parts[45 + i] = names[((counter * 5 + i) %% #names) + 1] end
  return wrk.format(nil, "/api/participants?usernames=" .. table.concat(parts, "%%7C"))
end
"""


def wrk_rps(wrk: str, url: str, seconds: int, connections: int, script: str | None) -> float:
    command = [wrk, "-t2", f"-c{connections}", f"-d{seconds}s", "-H",
               f"Accept-Encoding: {BROWSER_ENCODINGS}"]  # fmt: skip
    if script:
        command += ["-s", script]
    out = subprocess.run([*command, url], check=True, capture_output=True, text=True).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"wrk saw errors on {url}:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def run_targets(args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    world = build_world(args)
    slugs = current_slugs(world)
    keys = sorted(current_people(world))
    others = [n for n in world.users if n not in set(keys)]
    names = rng.sample(keys, 100) + rng.sample(others, 1000)
    names += [f"Passing Editor {n:06d}" for n in range(900)]
    rng.shuffle(names)
    batches = [names[i : i + 50] for i in range(0, len(names), 50)]
    fake = FakeDashboard(dataset=world)
    fake.latency = args.latency
    fake.start()
    redis_server = RedisServer().start()
    log_dir = Path(tempfile.mkdtemp(prefix="outreach-helper-capacity-"))
    servers = {route: ServeProcess(service_env(fake, redis_server.url, route, 1),
                                   log_dir / f"{route}.log") for route in ROUTES}  # fmt: skip
    print(
        f"world: {len(slugs)} current courses, {len(keys)} current participants; "
        f"fake latency {args.latency} s; default freshness"
    )
    try:
        for server in servers.values():
            server.start()
        fake.reset()
        took: dict[str, float] = {}
        for route in ROUTES:  # one after the other: each route's count is its own

            async def send(route: str = route) -> None:
                slots = asyncio.Semaphore(4)
                async with httpx.AsyncClient(base_url=servers[route].base_url,
                                             timeout=120) as client:  # fmt: skip

                    async def one(batch: list[str]) -> None:
                        async with slots:
                            answer = await client.get(PATHS[route] + quote("|".join(batch),
                                                                           safe=""))  # fmt: skip
                            answer.raise_for_status()

                    await asyncio.gather(*(one(b) for b in batches))

            started = time.monotonic()
            asyncio.run(send())
            took[route] = time.monotonic() - started
        counts = {r: Counter() for r in ROUTES}
        for request in fake.requests:
            if (route := route_of(request)) is not None:
                counts[route][request.endpoint] += 1
        bound = 2 * len(slugs) + 10
        print(
            f"\n(a) 2,000 distinct names ({len(batches)} batches of 50, 100 names in current "
            f"courses, 4 batches at a time, 2 workers):"
        )
        for route in ROUTES:
            total = sum(counts[route].values())
            met = "met" if total <= bound else "MISSED"
            verdict = f"bound 2 x {len(slugs)} + 10 = {bound}: {met}"
            print(
                f"  {PATHS[route]}: {total} Dashboard requests ("
                + ", ".join(f"{e} {n}" for e, n in counts[route].most_common())
                + f"), user_stats {counts[route]['user_stats']}, {took[route]:.1f} s"
                + (f"; {verdict}" if route == "participants" else "")
            )
        with redis.Redis.from_url(redis_server.url) as client:
            _, total, knowledge = redis_bytes(client, "capacity-participants:")
        knowledge_bytes = sum(v for k, v in knowledge.items() if "current-courses" in k)
        print(
            f"\n(c) knowledge in Redis: {knowledge_bytes} bytes ("
            + ", ".join(f"{k} {v}" for k, v in sorted(knowledge.items()))
            + f") for {len(keys)} current participants: "
            f"{knowledge_bytes / len(keys):.1f} bytes each (target <= 100); with the daily "
            f"course list ({sum(knowledge.values()) - knowledge_bytes} bytes): "
            f"{sum(knowledge.values()) / len(keys):.1f} bytes each"
        )
        wrk = ensure_wrk()
        base = servers["participants"].base_url
        warm = base + PATHS["participants"] + quote("|".join(batches[0]), safe="")
        script = log_dir / "fresh.lua"
        sample = ", ".join(f'"{quote(n.replace(" ", "_"), safe="")}"' for n in keys[:500])
        script.write_text(WRK_FRESH % sample)
        for _ in range(40):  # every worker warm on this path
            httpx.get(warm, headers={"Connection": "close"}, timeout=30).raise_for_status()
        probes = {"/healthz": (base + "/healthz", None),
                  "participants, warm 50 names": (warm, None),
                  "participants, 50 names never asked": (base + "/", str(script))}  # fmt: skip
        best: dict[str, float] = {}
        for _ in range(args.rounds):
            for name, (url, lua) in probes.items():
                best[name] = max(best.get(name, 0.0),
                                 wrk_rps(wrk, url, args.seconds, 10, lua))  # fmt: skip
        upstream_after = sum(counts["participants"].values())
        extra = sum(1 for r in fake.requests if route_of(r) == "participants") - upstream_after
        print(
            f"\n(b) wrk, 10 connections, {args.seconds} s per path, best of {args.rounds} "
            f"rounds, 2 workers over Redis, Accept-Encoding: {BROWSER_ENCODINGS}:"
        )
        for name, rps in best.items():
            print(f"  {name:<40} {rps:>8.0f} req/s  {rps / best['/healthz']:.2f}x")
        print(f"  Dashboard requests during the wrk runs: {extra}")
    finally:
        for server in servers.values():
            server.stop()
        fake.stop()
        redis_server.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", action="store_true", help="the issue's targets instead")
    parser.add_argument("--hours", type=int, default=24, help="simulated hours")
    parser.add_argument("--compression", type=float, default=300.0)
    parser.add_argument("--courses", type=int, default=3000)
    parser.add_argument("--current", type=int, default=200)
    parser.add_argument("--future", type=int, default=10)
    parser.add_argument("--people", type=int, default=40000)
    parser.add_argument("--enrollments", type=int, default=60000)
    parser.add_argument("--outsiders", type=int, default=60000, help="editors in no course")
    parser.add_argument("--zipf", type=float, default=1.0, help="the names' Zipf exponent")
    parser.add_argument("--list-views", type=int, default=30,
                        help="list views in the busiest simulated hour")  # fmt: skip
    parser.add_argument("--user-views", type=int, default=30,
                        help="user-page views in the busiest simulated hour")  # fmt: skip
    parser.add_argument("--new-enrollments", type=int, default=100, help="per simulated day")
    parser.add_argument("--latency", type=float, default=0.02, help="the fake's, seconds")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight, per route")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--plot", default=str(ROOT / "docs" / "capacity.png"))
    parser.add_argument("--points", help="save this day's hourly points (JSON) here")
    parser.add_argument("--also", nargs="*", default=[], help="--points files to plot too")
    parser.add_argument("--plot-only", action="store_true", help="plot the --also files only")
    parser.add_argument("--rounds", type=int, default=3, help="--targets: wrk rounds")
    parser.add_argument("--seconds", type=int, default=4, help="--targets: wrk seconds a path")
    args = parser.parse_args()
    if args.plot_only:
        plot([json.loads(Path(f).read_text()) for f in args.also], Path(args.plot), args)
    elif args.targets:
        run_targets(args)
    else:
        run_day(args)


if __name__ == "__main__":
    main()
