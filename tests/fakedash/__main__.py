"""Run the fake Outreach Dashboard in the foreground, for manual runs and benchmarks.

    python -m tests.fakedash --port 8099 --latency 0.3

Point the service at it with ``OUTREACH_BASE_URL=http://127.0.0.1:8099``. Ctrl-C (or
SIGTERM) stops it and prints how many requests each endpoint received.
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading

from tests.fakedash.dataset import ADA, SLUG_ACTIVE
from tests.fakedash.server import FAIL_MODES, FakeDashboard


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.fakedash", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8099, help="0 picks a free port")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added per request")
    parser.add_argument("--fail-mode", choices=[m for m in FAIL_MODES if m], default=None)
    parser.add_argument("--access-log", action="store_true", help="log every request")
    args = parser.parse_args(argv)

    if args.access_log:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop cleanly on SIGTERM too

    fake = FakeDashboard(host=args.host, port=args.port)
    fake.latency = args.latency
    fake.fail_mode = args.fail_mode
    fake.start()
    print(f"fake Outreach Dashboard listening on {fake.base_url}", flush=True)
    print(f"  try {fake.base_url}/user_stats.json?username={ADA.replace(' ', '_')}", flush=True)
    print(f"  and {fake.base_url}/courses/{SLUG_ACTIVE}/course.json", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()
        print(f"requests: {fake.counts}, at most {fake.max_in_flight} at once", flush=True)


if __name__ == "__main__":
    main()
