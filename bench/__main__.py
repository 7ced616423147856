"""`python -m bench [NAME ...]`: run the benchmarks and print one `figure: value unit` per line.

Each benchmark is a module `bench/<name>.py` with a `main() -> None`; it makes its own inputs and
measures the ffmpeg command line doing the same work in the same run, so ratios are comparable.
"""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = ("media", "playback", "jobs", "ui", "loudness", "batch")


def main(argv: list[str]) -> int:
    names = argv or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(
            f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}",
            file=sys.stderr,
        )
        return 2
    for name in names:
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"bench.{name}":
                print(f"# {name}: not written yet", flush=True)
                continue
            raise
        print(f"# {name}", flush=True)
        module.main()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
