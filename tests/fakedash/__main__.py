"""Run the fake Outreach Dashboard in the foreground, for manual runs and benchmarks.

    python -m tests.fakedash --port 8099 --latency 0.3
    python -m tests.fakedash --port 8098 --world wikiedu

Point the service at it with ``OUTREACH_BASE_URL=http://127.0.0.1:8099`` (both:
``DASHBOARDS=outreach=http://127.0.0.1:8099,wikiedu=http://127.0.0.1:8098``). Ctrl-C (or
SIGTERM) stops it and prints how many requests each endpoint received.
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading

from outreach_helper.demo import wikiedu
from tests.fakedash.dataset import ADA, SLUG_ACTIVE, build_dataset
from tests.fakedash.server import FAIL_MODES, FakeDashboard


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.fakedash", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8099, help="0 picks a free port")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added per request")
    parser.add_argument("--fail-mode", choices=[m for m in FAIL_MODES if m], default=None)
    parser.add_argument("--access-log", action="store_true", help="log every request")
    parser.add_argument(
        "--world", choices=("outreach", "wikiedu"), default="outreach",
        help="the sample data: the Outreach Dashboard's or the Wiki Education Dashboard's",
    )  # fmt: skip
    args = parser.parse_args(argv)

    if args.access_log:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop cleanly on SIGTERM too

    if args.world == "wikiedu":
        data, user, slug = wikiedu.build_wikiedu_dataset(), wikiedu.STUDENT, wikiedu.SLUG_CLASSROOM
    else:
        data, user, slug = build_dataset(), ADA, SLUG_ACTIVE
    fake = FakeDashboard(data, host=args.host, port=args.port)
    fake.latency = args.latency
    fake.fail_mode = args.fail_mode
    fake.start()
    print(f"fake {args.world} Dashboard listening on {fake.base_url}", flush=True)
    print(f"  try {fake.base_url}/user_stats.json?username={user.replace(' ', '_')}", flush=True)
    print(f"  and {fake.base_url}/courses/{slug}/course.json", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()
        print(f"requests: {fake.counts}, at most {fake.max_in_flight} at once", flush=True)


if __name__ == "__main__":
    main()
