"""`python -m tests.fakes HOST --port N`: run one provider emulator by hand.

Point the app at it with FOLEYDESK_<HOST>_BASE_URL=http://127.0.0.1:N (and, for PiAPI,
FOLEYDESK_PIAPI_UPLOAD_URL to the same) and FOLEYDESK_<HOST>_API_KEY to the --key given here.
"""

from __future__ import annotations

import argparse
import sys
import time

from tests.fakes.hosts import HOSTS
from tests.fakes.server import FaultPlan


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fakes")
    parser.add_argument("host", choices=sorted(HOSTS))
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--key", default="test-key", help="the API key the emulator accepts")
    parser.add_argument("--latency", type=float, default=1.0, help="seconds a task takes")
    parser.add_argument("--faults", type=float, default=0.0, help="random fault rate 0-1")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--pad-mb", type=float, default=0, help="pad video results to this size")
    parser.add_argument(
        "--latency-range",
        type=float,
        nargs=2,
        metavar=("LOW", "HIGH"),
        help="each task takes LOW-HIGH seconds, fixed by its prompt",
    )
    parser.add_argument(
        "--precompute", action="store_true", help="make results while tasks run (benchmarks)"
    )
    args = parser.parse_args(argv)
    server = HOSTS[args.host](args.key, FaultPlan(rate=args.faults, seed=args.seed), args.latency)
    server.pad_results = int(args.pad_mb * 1024 * 1024)
    server.precompute = args.precompute
    if args.latency_range:
        server.latency_range = (args.latency_range[0], args.latency_range[1])
    server.start(args.port)
    name = args.host.upper()
    print(f"{args.host} emulator at {server.base_url}", flush=True)
    print(f"  export FOLEYDESK_{name}_BASE_URL={server.base_url}", flush=True)
    if args.host in ("piapi", "fal"):  # their uploads go to another host: this one too here
        print(f"  export FOLEYDESK_{name}_UPLOAD_URL={server.base_url}", flush=True)
    print(f"  export FOLEYDESK_{name}_API_KEY={args.key}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
