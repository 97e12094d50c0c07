"""What an outage of the Dashboard costs it, and how fast the service is back.

    .venv/bin/python bench/recovery.py [--rounds 3] [--outage 20] [--no-real]

1. A simulated dead hour (`tests/outage_sim.py`: two workers of the real client,
   breaker, marks and cache over one shared store, on a simulated clock): ten hot users,
   stale, asked every second on both workers. Upstream attempts per worker and per key;
   after the return, seconds until a cold lookup succeeds on both workers and until every
   hot user is fresh again. Also one hot user alone.
2. Simulated short outages of 15 to 25 s (every 0.25 s) with cold lookups every 0.1 s on
   both workers: seconds from the return until cold lookups succeed on both.
3. The real thing: two `outreach-helper serve` processes over a private Redis and the
   fake Dashboard, taken down (connections refused) for `--outage` seconds while cold
   lookups come in, `--rounds` times: seconds from its return until cold lookups (of
   users that failed during the outage, and new ones) succeed on both workers.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import sys
import time
from pathlib import Path

import httpx
import structlog

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from tests.fakedash import dataset as d  # noqa: E402
from tests.fakedash.server import FakeDashboard  # noqa: E402
from tests.integration.test_tier import Worker  # noqa: E402
from tests.outage_sim import dead_hour, settings_for_simulation, short_outage  # noqa: E402
from tests.servers import RedisServer  # noqa: E402

ANSWERED = {200, 404}


async def simulated() -> None:
    settings = settings_for_simulation()
    print("\nsimulated dead hour, 2 workers, defaults (breaker 5 failures, "
          f"{settings.breaker_first_cooldown:g}..{settings.breaker_cooldown:g} s; "
          f"backoff {settings.backoff_base:g}..{settings.backoff_cap:g} s)\n")  # fmt: skip
    print("| Dashboard | hot users | attempts per worker | most per key | cold lookups "
          "succeed after | all fresh after |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for mode, keys in (("down", 10), ("500", 10), ("down", 1)):
        r = await dead_hour(settings, mode=mode, keys=keys)
        print(f"| {mode} | {keys} | {' and '.join(map(str, r.attempts_per_worker))} | "
              f"{max(r.attempts_per_key.values())} | {r.cold_after:g} s | "
              f"{r.recovered_after:g} s |")  # fmt: skip
    outages = [15 + i * 0.25 for i in range(41)]
    recovered = [(await short_outage(settings, outage=o)).recovered_after for o in outages]
    known = [r for r in recovered if r is not None]
    print(f"\nsimulated outages of 15-25 s ({len(outages)}): cold lookups succeed on both "
          f"workers after median {statistics.median(known):.1f} s, worst {max(known):.1f} s "
          f"({len(recovered) - len(known)} never within 120 s)")  # fmt: skip


def status(http: httpx.Client, worker: Worker, name: str) -> int:
    return http.get(f"{worker.base_url}/api/users/{name.replace(' ', '_')}").status_code


def real_outage(one: Worker, two: Worker, fake: FakeDashboard, outage: float, tag: str) -> float:
    repeated = [d.ADA, d.ZOE, d.CHIDI, f"Nobody {tag} A", f"Nobody {tag} B"]
    with httpx.Client(timeout=30) as http:
        fake.down()
        try:
            ends, count = time.monotonic() + outage, 0
            while time.monotonic() < ends:
                count += 1
                name = repeated[count % 5] if count % 3 else f"New {tag} {count}"
                status(http, (one, two)[count % 2], name)
                time.sleep(0.05)
        finally:
            fake.up()
        back, n = time.monotonic(), 0
        while time.monotonic() - back < 120:
            n += 1
            names = (repeated[n % 5], f"Fresh {tag} {n}")
            if {status(http, w, name) for w in (one, two) for name in names} <= ANSWERED:
                return time.monotonic() - back
            time.sleep(0.05)
    return float("inf")


def real(rounds: int, outage: float) -> None:
    redis_server = RedisServer().start()
    env = dict(os.environ, REDIS_URL=redis_server.url, LOG_LEVEL="WARNING",
               REDIS_KEY_PREFIX=f"recovery-{os.getpid()}:")  # fmt: skip
    env.pop("REDIS_HOST", None)
    try:
        with FakeDashboard() as fake:
            env["OUTREACH_BASE_URL"] = fake.base_url
            one, two = Worker(env), Worker(env)
            try:
                times = []
                for round_ in range(rounds):
                    times.append(real_outage(one, two, fake, outage, str(round_)))
                    print(f"  round {round_ + 1}: {times[-1]:.2f} s", flush=True)
                    time.sleep(2)
            finally:
                one.stop()
                two.stop()
    finally:
        redis_server.cleanup()
    print(f"\nreal {outage:g} s outage, 2 workers over Redis, {rounds} rounds: cold lookups "
          f"succeed on both workers {statistics.median(times):.2f} s (median), "
          f"{max(times):.2f} s (worst) after the Dashboard's return")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--outage", type=float, default=20.0)
    parser.add_argument("--no-real", action="store_true", help="only the simulations")
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.CRITICAL))
    asyncio.run(simulated())
    if not args.no_real:
        real(args.rounds, args.outage)


if __name__ == "__main__":
    main()
