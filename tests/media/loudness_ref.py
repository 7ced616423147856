"""The independent reference: `ffmpeg -af ebur128=peak=true` on the command line, its summary
parsed (integrated, range, true peak)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path


def ffmpeg_ebur128(path: Path) -> dict[str, float]:
    run = subprocess.run(
        ["ffmpeg", "-nostats", "-hide_banner", "-i", str(path), "-af", "ebur128=peak=true",
         "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    summary = run.stderr.rsplit("Summary:", 1)[1]
    out = {}
    for key, label in (("I", "integrated"), ("LRA", "range"), ("Peak", "true_peak")):
        match = re.search(rf"^\s*{key}:\s+(-?[\d.]+|-inf)", summary, re.M)
        assert match, summary
        out[label] = float(match.group(1))
    return out
