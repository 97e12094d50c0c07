"""How often does a revalidation get a 304, when the Dashboard runs its stats updates?

    .venv/bin/python bench/revalidation.py [--days 2] [--stats-every 5400] [--step 900]

The fake Dashboard runs in its realistic mode: every `--stats-every` seconds (default
5400, about the sample course's `average_update_delay` of 5321 s) a stats run rewrites
course.json of every course being updated (start <= now <= update_until: a new
`flags.update_logs` entry, `updates.last_update`, `updated_at`) and one participant's
counters in its users.json, as the Dashboard's update jobs do; user_stats.json does not
change (its statistics are `number_to_human`-rounded and enrollments stay the same).
The service runs with its default freshness (users and rosters 1 h, courses 1 day) on a
simulated clock shared with the fake; every `--step` simulated seconds each fixture user
is looked up with `?enrich=true` (user, course details, rosters), and stale entries are
revalidated in the background with the ETags the Dashboard sent.

It prints, per upstream document, the conditional requests (revalidations), how many got
a 304, and the bytes those 304s did not send. A 304 saves only bytes: Rails renders the
whole action before Rack::ConditionalGet compares the ETag.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for the fake Dashboard and the test servers

from outreach_helper.logs import configure_logging  # noqa: E402
from outreach_helper.settings import Settings  # noqa: E402
from tests.fakedash import dataset as d  # noqa: E402
from tests.fakedash.server import FakeDashboard  # noqa: E402
from tests.servers import AppServer, FakeClock  # noqa: E402

USERS = [d.ZOE, d.NGOZI, d.ADA, d.OBRIEN, d.CHIDI, d.STAFFER, d.ELODIE, d.MARC, d.ANA,
         d.PAST, d.FORTY, d.TEN]  # fmt: skip
ENDPOINTS = ("user_stats", "course", "users")


async def settle(fake: FakeDashboard, quiet: float = 0.05, limit: float = 10.0) -> None:
    """Wait until background refreshes are done: nothing in flight, nothing new."""
    deadline = time.monotonic() + limit
    seen = -1
    while time.monotonic() < deadline:
        total = fake.total
        if total == seen and fake.in_flight == 0:
            return
        seen = total
        await asyncio.sleep(quiet)


async def simulate(days: float, stats_every: float, step: float) -> dict[str, dict[str, int]]:
    clock = FakeClock()
    with FakeDashboard() as fake:
        fake.clock = clock
        fake.stats_every = stats_every
        settings = Settings(
            _env_file=None, outreach_base_url=fake.base_url, contact="bench@example.org",
            redis_url=None, redis_host=None, redis_key_prefix=f"bench-{uuid.uuid4().hex}:",
            log_level="WARNING",
        )  # fmt: skip
        with AppServer(settings, clock) as app:
            async with httpx.AsyncClient(base_url=app.base_url, timeout=30) as http:
                paths = [f"/api/users/{quote(name)}?enrich=true" for name in USERS]
                for path in paths:  # cold: the first fetch of everything
                    (await http.get(path)).raise_for_status()
                await settle(fake)
                fake.reset()
                for _ in range(int(days * 86400 / step)):
                    clock.advance(step)
                    await asyncio.gather(*(http.get(path) for path in paths))
                    await settle(fake)
    conditional = {name: 0 for name in ENDPOINTS}
    for request in fake.requests:
        if request.endpoint in conditional and "if-none-match" in request.headers:
            conditional[request.endpoint] += 1
    counts, not_modified, saved = fake.counts, fake.not_modified_by_endpoint, fake.bytes_not_sent
    return {
        name: {"requests": counts[name], "conditional": conditional[name],
               "not_modified": not_modified[name], "bytes_saved": saved[name]}
        for name in ENDPOINTS
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=float, default=2.0, help="simulated days")
    parser.add_argument("--stats-every", type=float, default=5400.0, help="seconds")
    parser.add_argument("--step", type=float, default=900.0, help="seconds between lookups")
    args = parser.parse_args()
    configure_logging("WARNING")  # one line per upstream request would drown the table
    started = time.monotonic()
    rows = asyncio.run(simulate(args.days, args.stats_every, args.step))
    print(
        f"{args.days:g} simulated days, a stats run every {args.stats_every:g} s, "
        f"{len(USERS)} users looked up (enriched) every {args.step:g} s, default TTLs "
        f"({time.monotonic() - started:.0f} s of real time)\n"
    )
    print("| document        | requests | revalidations | 304s | 304 share | KiB not sent |")
    print("|-----------------|----------|---------------|------|-----------|--------------|")
    for name, row in rows.items():
        share = row["not_modified"] / row["conditional"] if row["conditional"] else 0.0
        print(
            f"| {name + '.json':15} | {row['requests']:8} | {row['conditional']:13} "
            f"| {row['not_modified']:4} | {share:9.0%} | {row['bytes_saved'] / 1024:12.0f} |"
        )


if __name__ == "__main__":
    main()
