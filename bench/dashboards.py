"""Issue 17's targets: two Dashboards behind one service, measured (figures, not tests).

    .venv/bin/python bench/dashboards.py [--rounds 4] [--seconds 3] [--latency 0.02]

Two real fake Dashboards in this process (the Outreach world, `FakeDashboard()`, and the
Wiki Education world, `FakeDashboard(build_wikiedu_dataset())`, each `--latency` seconds a
request), a private Redis and two `outreach-helper serve --workers 2` over it (own key
prefixes): "one" with `DASHBOARDS=outreach`, as before the feature, and "two" with
`DASHBOARDS=outreach,wikiedu=http://127.0.0.1:PORT`.

(1, 3) wrk (bench/run.py's `run_wrk`, 10 connections, browser Accept-Encoding), every
path warmed in both workers first, in `--rounds` interleaved rounds (the order of the
paths turns each round, so a burst of other load on this noisy machine does not always hit
the same path): on "two" `/healthz`, warm `status?dashboard=all`, `status` (default) and
`status?dashboard=wikiedu` of Zoë Müller (on both dashboards), and the README's warm rows
(`Ten Courses`: status and user); on "one" `/healthz` and the same README rows. Each ratio
is to the same server's `/healthz` in the same round; printed: the median of the rounds'
ratios and the best-of-rounds ratio (bench/run.py's way).

(2) Cold lookups (names enrolled on the Outreach fake before the servers start, each asked
once): `--cold` default-dashboard `status` with Wiki Education healthy, then the same
number while it hangs (`latency = 60`, default FOREGROUND_TIMEOUT and UPSTREAM_DEADLINE),
while a second driver sends a cold `status?dashboard=all` every `--all-every` seconds for
`--hang-seconds`: its first answers wait ALL_DASHBOARDS_WAIT past Outreach's, until the
hung requests fail (UPSTREAM_DEADLINE) and open Wiki Education's circuit in each worker;
then `all` answers at once with Wiki Education `unavailable`.
Needs wrk and redis-server (see scripts/bench).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from bench.run import BROWSER_ENCODINGS, ensure_wrk, run_wrk  # noqa: E402
from bench.soak_support import ServeProcess  # noqa: E402
from outreach_helper.demo import dataset as ds  # noqa: E402
from outreach_helper.demo.wikiedu import ZOE, build_wikiedu_dataset  # noqa: E402
from outreach_helper.settings import Settings  # noqa: E402
from tests.fakedash.server import FakeDashboard  # noqa: E402
from tests.servers import RedisServer  # noqa: E402


def status_path(name: str, dashboard: str | None = None) -> str:
    path = f"/api/users/{quote(name.replace(' ', '_'), safe='')}/status"
    return path + (f"?dashboard={dashboard}" if dashboard else "")


TEN = ds.TEN
# (server, label, path); the first of each server is its /healthz
PROBES = [
    ("two", "/healthz", "/healthz"),
    ("two", "status?dashboard=all, Zoë (both), warm", status_path(ZOE, "all")),
    ("two", "status (default), Zoë, warm", status_path(ZOE)),
    ("two", "status?dashboard=wikiedu, Zoë, warm", status_path(ZOE, "wikiedu")),
    ("two", "status (10 courses), warm", status_path(TEN)),
    ("two", "user, warm", f"/api/users/{quote(TEN.replace(' ', '_'))}"),
    ("one", "/healthz", "/healthz"),
    ("one", "status (10 courses), warm", status_path(TEN)),
    ("one", "user, warm", f"/api/users/{quote(TEN.replace(' ', '_'))}"),
    ("one", "status, Zoë, warm", status_path(ZOE)),
]


def warm_up(servers: dict[str, ServeProcess]) -> None:
    for server, _, path in PROBES:
        url = servers[server].base_url + path
        httpx.get(url, timeout=30).raise_for_status()
        for _ in range(40):  # new connections: every worker gets its own copies
            httpx.get(url, headers={"Connection": "close"}, timeout=30).raise_for_status()


def throughput(servers: dict[str, ServeProcess], rounds: int, seconds: int) -> None:
    wrk = ensure_wrk()
    headers = {"Accept-Encoding": BROWSER_ENCODINGS}
    rps: dict[int, list[float]] = {i: [] for i in range(len(PROBES))}
    for round_ in range(rounds):
        shift = round_ % len(PROBES)
        for index in [*range(shift, len(PROBES)), *range(shift)]:
            server, _, path = PROBES[index]
            measured, _, _ = run_wrk(wrk, servers[server].base_url + path, seconds, 10, headers)
            rps[index].append(measured)
        print(f"  round {round_ + 1}/{rounds} done", flush=True)
    healthz = {s: next(i for i, p in enumerate(PROBES) if p[0] == s) for s in servers}
    print(
        f"\n(1, 3) wrk, 2 threads, 10 connections, {seconds} s a path, {rounds} interleaved "
        f"rounds, 2 workers each over Redis, Accept-Encoding: {BROWSER_ENCODINGS}\n"
    )
    print("| server | path | best req/s | median req/s | ratio, median of rounds | "
          "ratio, best of rounds | ratios each round |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for index, (server, label, _) in enumerate(PROBES):
        base = rps[healthz[server]]
        ratios = [mine / trivial for mine, trivial in zip(rps[index], base, strict=True)]
        name = {"one": "DASHBOARDS=outreach", "two": "DASHBOARDS=outreach,wikiedu"}[server]
        print(
            f"| {name} | {label} | {max(rps[index]):.0f} | {statistics.median(rps[index]):.0f}"
            f" | {statistics.median(ratios):.2f} | {max(rps[index]) / max(base):.2f} | "
            + " ".join(f"{r:.2f}" for r in ratios)
            + " |"
        )


def summary(took: list[float]) -> str:
    ms = sorted(t * 1000 for t in took)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return f"median {statistics.median(ms):.0f} ms, p95 {p95:.0f} ms, max {ms[-1]:.0f} ms"


async def cold_defaults(client: httpx.AsyncClient, names: list[str], gap: float) -> list[float]:
    took = []
    for name in names:
        started = time.monotonic()
        answer = await client.get(status_path(name))
        took.append(time.monotonic() - started)
        answer.raise_for_status()
        await asyncio.sleep(gap)
    return took


async def hanging(base_url: str, wikiedu: FakeDashboard, healthy: list[str], hung: list[str],
                  alls: list[str], every: float, seconds: float) -> None:  # fmt: skip
    async with httpx.AsyncClient(base_url=base_url, timeout=120) as client:
        before = await cold_defaults(client, healthy, 0.2)
        started = time.monotonic()
        healthy_all = await client.get(status_path(alls[0], "all"))
        healthy_all_took = time.monotonic() - started
        wikiedu.latency = 60  # hangs: every request waits a minute
        t0 = time.monotonic()
        seen: list[tuple[float, float, int, list[str]]] = []

        async def one_all(name: str, at: float) -> None:
            sent = time.monotonic()
            answer = await client.get(status_path(name, "all"))
            body = answer.json() if answer.status_code == 200 else {}
            seen.append((sent - t0, time.monotonic() - sent, answer.status_code,
                         body.get("unavailable", [])))  # fmt: skip

        async def all_driver() -> None:
            tasks = []
            for number, name in enumerate(alls[1:]):
                due = t0 + number * every
                if due - t0 > seconds:
                    break
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                tasks.append(asyncio.create_task(one_all(name, due)))
            await asyncio.gather(*tasks)

        await asyncio.sleep(0.5)  # the first hung requests are under way
        gap = max(0.2, seconds / len(hung))  # the cold names spread over the hang
        during, _ = await asyncio.gather(cold_defaults(client, hung, gap), all_driver())
        wikiedu.latency = 0
    print(
        "\n(2) cold default-dashboard status (enrolled editors, each asked once), one at "
        "a time, on the DASHBOARDS=outreach,wikiedu server:"
    )
    print(f"  Wiki Education healthy: {len(before)} names, {summary(before)}")
    print(f"  Wiki Education hanging (latency 60 s, {len(hung)} names spread over "
          f"{seconds:.0f} s, dashboard=all requests hanging beside them): "
          f"{summary(during)}")  # fmt: skip
    print(f"  cold status?dashboard=all, both healthy: {healthy_all_took * 1000:.0f} ms "
          f"({healthy_all.status_code})")  # fmt: skip
    print("  cold status?dashboard=all while Wiki Education hangs (sent at s: took s, status, "
          "unavailable):")  # fmt: skip
    seen.sort()
    for sent, took, code, unavailable in seen:
        print(f"    {sent:6.1f}: {took:6.2f} s  {code}  {','.join(unavailable) or '-'}")
    slow = [t for _, t, _, _ in seen if t >= 1]
    fast = [(s, t) for s, t, _, _ in seen if t < 1]
    opened = next((s for s, _ in fast), None)
    print(
        f"  => {len(slow)} waited {min(slow, default=0):.1f} to {max(slow, default=0):.1f} s "
        f"(ALL_DASHBOARDS_WAIT {Settings(_env_file=None).all_dashboards_wait:g} s); "
        + (
            f"from {opened:.0f} s after the hang began, {len(fast)} answered in "
            f"{summary([t for _, t in fast])}"
            if fast
            else "none answered fast"
        )  # fmt: skip
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=3, help="wrk seconds a path and round")
    parser.add_argument("--latency", type=float, default=0.02, help="each fake's, seconds")
    parser.add_argument("--cold", type=int, default=30, help="cold names, healthy and hanging")
    parser.add_argument("--hang-seconds", type=float, default=90)
    parser.add_argument("--all-every", type=float, default=1.5)
    parser.add_argument("--skip-wrk", action="store_true", help="(2) only")
    parser.add_argument("--skip-hang", action="store_true", help="(1, 3) only")
    args = parser.parse_args()
    outreach = FakeDashboard()
    wikiedu = FakeDashboard(build_wikiedu_dataset())
    healthy = [f"Bench Cold Healthy {n}" for n in range(args.cold)]
    hung = [f"Bench Cold Hanging {n}" for n in range(args.cold)]
    alls = [f"Bench Cold All {n}" for n in range(int(args.hang_seconds / args.all_every) + 2)]
    for name in healthy + hung + alls:  # editors of the event on now, on Outreach only
        outreach.enroll(ds.SLUG_ACTIVE, name, 0)
    for fake in (outreach, wikiedu):
        fake.start()
        fake.latency = args.latency
    redis_server = RedisServer().start()
    log_dir = Path(tempfile.mkdtemp(prefix="outreach-helper-dashboards-"))
    common = {"OUTREACH_BASE_URL": outreach.base_url, "REDIS_URL": redis_server.url,
              "LOG_LEVEL": "WARNING"}  # fmt: skip
    servers = {
        "one": ServeProcess({**common, "DASHBOARDS": "outreach", "REDIS_KEY_PREFIX": "one:"},
                            log_dir / "one.log"),
        "two": ServeProcess({**common, "REDIS_KEY_PREFIX": "two:",
                             "DASHBOARDS": f"outreach,wikiedu={wikiedu.base_url}"},
                            log_dir / "two.log"),
    }  # fmt: skip
    print(f"fakes: outreach {outreach.base_url}, wikiedu {wikiedu.base_url}, "
          f"{args.latency:g} s a request; logs in {log_dir}", flush=True)  # fmt: skip
    try:
        for server in servers.values():
            server.start()
        if not args.skip_wrk:
            warm_up(servers)
            throughput(servers, args.rounds, args.seconds)
        if not args.skip_hang:
            asyncio.run(hanging(servers["two"].base_url, wikiedu, healthy, hung, alls,
                                args.all_every, args.hang_seconds))  # fmt: skip
    finally:
        for server in servers.values():
            server.stop()
        for fake in (outreach, wikiedu):
            fake.stop()
        redis_server.cleanup()


if __name__ == "__main__":
    main()
