"""Warm-hit benchmark: the service under wrk, side by side with a trivial endpoint.

    .venv/bin/python bench/run.py [--duration 10] [--connections 10] [--workers 1,2]

Starts the fake Dashboard, a private Redis and the real server (the Procfile's gunicorn
command, with 1 and then 2 workers over that Redis, so every warm answer goes through
the in-process tier) as processes on free loopback ports, warms the cache, then runs wrk
against each path in turn and prints requests per second, p50/p99 latency and the ratio
to `/healthz`, one table per worker count; `--memory` runs the memory store instead.
`--recording-cost` instead measures what the stats history costs: warm plain and enriched
answers from two servers run side by side, one with `STATS_RECORDING=false`, in
alternating rounds of the same run.
Besides single users it measures the status route, a batch of 50 warm names (the 13
fixture users and 37 names the Dashboard does not know, as on a page of Recent changes),
and revalidations: requests carrying the answer's ETag in If-None-Match, answered 304.
Absolute figures depend on the machine; the ratios, measured in one run, are what to quote.
Needs `wrk` (Debian package `wrk`; installed when missing and running as root).
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for the fixture names of the fake Dashboard

from tests.fakedash import dataset as d  # noqa: E402
from tests.servers import RedisServer  # noqa: E402

BIN = Path(sys.executable).parent


@dataclass
class Result:
    name: str
    path: str
    rps: float
    p50_ms: float
    p99_ms: float


@dataclass
class Probe:
    """One wrk run: a path, and whether to send the answer's ETag back (304s)."""

    name: str
    path: str
    revalidate: bool = False


KNOWN = [d.NOBODY, d.ZOE, d.NGOZI, d.ADA, d.OBRIEN, d.CHIDI, d.STAFFER, d.ELODIE, d.MARC,
         d.ANA, d.FORTY, d.BATCH_FACILITATOR, d.TEN]  # fmt: skip
BATCH = "/api/users?usernames=" + quote(
    "|".join(KNOWN + [f"Casual Editor {n}" for n in range(50 - len(KNOWN))]), safe=""
)
# What Chromium and Firefox send with every request; the service answers gzip to it (bodies
# of 1 KiB and more, compressed once per answer).
BROWSER_ENCODINGS = "gzip, deflate, br"
PROBES = [
    Probe("trivial endpoint (/healthz)", "/healthz"),
    Probe("user, warm", "/api/users/Ten_Courses"),
    Probe("user ?enrich=true (10 courses), warm", "/api/users/Ten_Courses?enrich=true"),
    Probe("status (10 courses), warm", "/api/users/Ten_Courses/status"),
    Probe("active-staff (10 courses), warm", "/api/users/Ten_Courses/active-staff"),
    Probe("batch of 50 names, warm", BATCH),
    Probe("304 revalidation of a user", "/api/users/Ten_Courses", revalidate=True),
    Probe("304 revalidation of a status", "/api/users/Ten_Courses/status", revalidate=True),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ensure_wrk() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    if os.geteuid() == 0:
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
        path = shutil.which("wrk")
    if not path:
        sys.exit("bench: wrk is needed (apt-get install wrk)")
    return path


def wait_ready(url: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


@contextmanager
def process(args: list[str], env: dict[str, str], ready_url: str):
    proc = subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    try:
        wait_ready(ready_url)
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(
    wrk: str, url: str, duration: int, connections: int, headers: dict[str, str]
) -> tuple[float, float, float]:
    header_args = [arg for name, value in headers.items() for arg in ("-H", f"{name}: {value}")]
    out = subprocess.run(
        [wrk, "-t2", f"-c{connections}", f"-d{duration}s", "--latency", *header_args, url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    pct = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+(?:us|ms|s))$", out, re.MULTILINE))
    p50, p99 = (re.fullmatch(r"([\d.]+)(us|ms|s)", pct[k]).groups() for k in ("50", "99"))
    if "Non-2xx" in out:  # wrk counts 4xx and 5xx here; the 304s are fine
        raise RuntimeError(f"wrk saw errors on {url}:\n{out}")
    return rps, _ms(*p50), _ms(*p99)


def procfile_command() -> list[str]:
    line = next(x for x in (ROOT / "Procfile").read_text().splitlines() if x.startswith("web:"))
    return [str(BIN / "gunicorn"), *shlex.split(line.removeprefix("web:"))[1:]]


def measure(
    wrk: str, args: argparse.Namespace, workers: int, redis_url: str | None
) -> list[Result]:
    """Every probe against a fresh server with `workers` workers (each path warmed first)."""
    fake_port, app_port = free_port(), free_port()
    env = dict(os.environ, PYTHONPATH=f"{ROOT / 'src'}:{ROOT}")
    env.pop("REDIS_URL", None)
    env.pop("REDIS_HOST", None)
    env.update(OUTREACH_BASE_URL=f"http://127.0.0.1:{fake_port}", LOG_LEVEL="WARNING",
               PORT=str(app_port), WEB_CONCURRENCY=str(workers),
               REDIS_KEY_PREFIX=f"bench-{app_port}:")  # fmt: skip
    if redis_url:
        env["REDIS_URL"] = redis_url
    base = f"http://127.0.0.1:{app_port}"
    fake_cmd = [str(BIN / "python"), "-m", "tests.fakedash", "--port", str(fake_port)]
    with (
        process(fake_cmd, env, f"http://127.0.0.1:{fake_port}/user_stats.json?username=x"),
        process(procfile_command(), env, f"{base}/healthz"),
    ):
        headers: dict[str, dict[str, str]] = {}
        encoding = {"Accept-Encoding": args.accept_encoding} if args.accept_encoding else {}
        for probe in PROBES:
            warm = httpx.get(base + probe.path, timeout=30)
            warm.raise_for_status()
            etag = {"If-None-Match": warm.headers.get("etag", "")}
            headers[probe.name] = {**encoding, **(etag if probe.revalidate else {})}
            if probe.revalidate:  # check that wrk will be measuring 304s
                again = httpx.get(base + probe.path, headers=headers[probe.name], timeout=30)
                assert again.status_code == 304, again.status_code
            for _ in range(workers * 20):  # so that every worker has its copies
                httpx.get(base + probe.path, headers={"Connection": "close"}, timeout=30)
        # Rounds over all paths in turn, keeping each path's best: on a machine shared
        # with other work, a burst of load then skews one round, not the ratios.
        best: dict[str, Result] = {}
        seconds = max(1, args.duration // args.rounds)
        for _ in range(args.rounds):
            for probe in PROBES:
                url = base + probe.path
                measured = Result(
                    probe.name, probe.path,
                    *run_wrk(wrk, url, seconds, args.connections, headers[probe.name]),
                )  # fmt: skip
                if probe.name not in best or measured.rps > best[probe.name].rps:
                    best[probe.name] = measured
    return [best[probe.name] for probe in PROBES]


RECORDING_PROBES = PROBES[1:3]  # warm plain and enriched


def recording_cost(
    wrk: str, args: argparse.Namespace, workers: int, redis_url: str | None
) -> list[tuple[str, Result, Result]]:
    """(probe, without recording, with recording) for the warm probes: two servers over
    one fake Dashboard (and one Redis, under different prefixes), measured in alternating
    rounds so that a burst of other load on the machine hits both alike."""
    fake_port = free_port()
    ports = {"off": free_port(), "on": free_port()}
    env = dict(os.environ, PYTHONPATH=f"{ROOT / 'src'}:{ROOT}")
    env.pop("REDIS_URL", None)
    env.pop("REDIS_HOST", None)
    env.update(OUTREACH_BASE_URL=f"http://127.0.0.1:{fake_port}", LOG_LEVEL="WARNING",
               WEB_CONCURRENCY=str(workers))  # fmt: skip
    if redis_url:
        env["REDIS_URL"] = redis_url
    envs = {
        mode: dict(env, PORT=str(port), REDIS_KEY_PREFIX=f"bench-{port}:",
                   STATS_RECORDING="true" if mode == "on" else "false")
        for mode, port in ports.items()
    }  # fmt: skip
    bases = {mode: f"http://127.0.0.1:{port}" for mode, port in ports.items()}
    fake_cmd = [str(BIN / "python"), "-m", "tests.fakedash", "--port", str(fake_port)]
    encoding = {"Accept-Encoding": args.accept_encoding} if args.accept_encoding else {}
    with (
        process(fake_cmd, env, f"http://127.0.0.1:{fake_port}/user_stats.json?username=x"),
        process(procfile_command(), envs["off"], f"{bases['off']}/healthz"),
        process(procfile_command(), envs["on"], f"{bases['on']}/healthz"),
    ):
        for base in bases.values():
            for probe in RECORDING_PROBES:
                httpx.get(base + probe.path, timeout=30).raise_for_status()
                for _ in range(workers * 20):
                    httpx.get(base + probe.path, headers={"Connection": "close"}, timeout=30)
        best: dict[tuple[str, str], Result] = {}
        seconds = max(1, args.duration // args.rounds)
        for round_ in range(args.rounds):
            order = ("off", "on") if round_ % 2 == 0 else ("on", "off")
            for probe in RECORDING_PROBES:
                for mode in order:
                    measured = Result(
                        probe.name, probe.path,
                        *run_wrk(wrk, bases[mode] + probe.path, seconds, args.connections,
                                 encoding),
                    )  # fmt: skip
                    key = (probe.name, mode)
                    if key not in best or measured.rps > best[key].rps:
                        best[key] = measured
        recorded = httpx.get(f"{bases['on']}/stats.json?range=1h", timeout=30).json()
        unrecorded = httpx.get(f"{bases['off']}/stats.json?range=1h", timeout=30).json()
        counted = [sum(p["requests"] for p in b["points"]) for b in (recorded, unrecorded)]
        print(f"\nanswers in the history: {counted[0]} with recording, {counted[1]} without")
    return [(p.name, best[(p.name, "off")], best[(p.name, "on")]) for p in RECORDING_PROBES]


def print_recording_cost(title: str, rows: list[tuple[str, Result, Result]]) -> None:
    print(f"\n{title}\n")
    print(f"| {'path':<40} | {'req/s off':>9} | {'req/s on':>9} | {'on/off':>7} "
          f"| {'p99 off':>7} | {'p99 on':>7} |")  # fmt: skip
    print(f"|{'-' * 42}|{'-' * 11}|{'-' * 11}|{'-' * 9}|{'-' * 9}|{'-' * 9}|")
    for name, off, on in rows:
        print(f"| {name:<40} | {off.rps:>9.0f} | {on.rps:>9.0f} | {on.rps / off.rps:>7.3f} "
              f"| {off.p99_ms:>7.2f} | {on.p99_ms:>7.2f} |")  # fmt: skip


def print_table(title: str, results: list[Result]) -> None:
    trivial = results[0].rps
    print(f"\n{title}\n")
    print(f"| {'path':<40} | {'req/s':>8} | {'p50 ms':>7} | {'p99 ms':>7} | {'vs trivial':>10} |")
    print(f"|{'-' * 42}|{'-' * 10}|{'-' * 9}|{'-' * 9}|{'-' * 12}|")
    for r in results:
        print(f"| {r.name:<40} | {r.rps:>8.0f} | {r.p50_ms:>7.2f} | {r.p99_ms:>7.2f} "
              f"| {r.rps / trivial:>10.2f} |")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per path")
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3, help="the duration split in rounds")
    parser.add_argument("--workers", default="1,2", help="worker counts, comma-separated")
    parser.add_argument("--memory", action="store_true", help="the memory store, not Redis")
    parser.add_argument(
        "--accept-encoding", default=BROWSER_ENCODINGS,
        help=f"sent with every request ('' for none); default {BROWSER_ENCODINGS!r}, what "
        "the browsers that run the gadget send",
    )  # fmt: skip
    parser.add_argument(
        "--recording-cost", action="store_true",
        help="warm plain and enriched with and without the stats recording, same run",
    )  # fmt: skip
    args = parser.parse_args()
    wrk = ensure_wrk()
    redis_server = None if args.memory else RedisServer().start()
    store = "memory store" if args.memory else "Redis (with the in-process tier)"
    try:
        for workers in (int(n) for n in args.workers.split(",")):
            if args.recording_cost:
                print_recording_cost(
                    f"stats recording off/on, wrk, {args.connections} connections, "
                    f"{args.duration} s per path and mode (best of {args.rounds} rounds, "
                    f"alternating), {workers} worker(s), {store}, {os.cpu_count()} cores",
                    recording_cost(wrk, args, workers, redis_server.url if redis_server else None),
                )
                continue
            results = measure(wrk, args, workers, redis_server.url if redis_server else None)
            print_table(
                f"wrk, {args.connections} connections, {args.duration} s per path "
                f"(best of {args.rounds} rounds), "
                f"{workers} worker(s), {store}, {os.cpu_count()} cores, "
                f"Accept-Encoding: {args.accept_encoding or 'none'}",
                results,
            )
    finally:
        if redis_server is not None:
            redis_server.cleanup()


if __name__ == "__main__":
    main()
