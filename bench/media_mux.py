"""Muxing benchmark: a 5-minute 1080p H.264 video plus a new AAC track, video packets copied.

Ours: `mux_video` on a project with takes on two lanes (mix rendered and AAC-encoded as it
goes). Baseline: `ffmpeg -i SRC -i MIX.wav -map 0:v -map 1:a -c:v copy -c:a aac` doing the same
work from the already-rendered mix. Prints the two times and their ratio (target <= 1.2).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from bench.common import ffmpeg, figure, timed, work_dir
from foleydesk.core.model import Cue, Take, TakeStatus
from foleydesk.core.project import Project
from foleydesk.media.mux import mux_video
from foleydesk.media.probe import probe, source_media_from_info
from foleydesk.media.render import render_mix
from foleydesk.media.takes import write_wav

MINUTES = 5
RATE = 25


def _source() -> Path:
    """5 minutes of 1080p25 H.264 (cached in bench/_work: encoding it is not what we measure)."""
    path = work_dir("media_mux") / f"src_{MINUTES}min_1080p.mp4"
    if not path.exists():
        tmp = path.with_suffix(".part.mp4")
        ffmpeg(
            "-f", "lavfi", "-i", f"testsrc2=size=1920x1080:rate={RATE}:duration={MINUTES * 60}",
            "-c:v", "libx264", "-preset", "ultrafast", "-crf", "30", "-g", "250",
            "-pix_fmt", "yuv420p", str(tmp),
        )  # fmt: skip
        tmp.replace(path)
    return path


def _project(folder: Path, source: Path) -> Project:
    project = Project.create(folder / "bench.foleydesk", source_media_from_info(probe(source)))
    rng = np.random.default_rng(7)
    lanes = [project.lane_by_number(1), project.lane_by_number(2)]
    for index in range(40):  # a cue every 7.5 s, alternating lanes, 3 s takes
        start = index * 7 * RATE + index * RATE // 2
        cue = project.add_cue(Cue(0, lanes[index % 2].id, start, start + 3 * RATE))
        name = f"takes/t{index}.wav"
        noise = (rng.standard_normal((3 * 48000, 2)) * 0.1).astype(np.float32)
        write_wav(project.media_dir / name, noise, 48000)
        take = project.add_take(Take(0, cue.id, "offline", status=TakeStatus.READY, file=name))
        project.update_cue(cue.id, chosen_take_id=take.id)
    return project


def main() -> None:
    source = _source()
    with tempfile.TemporaryDirectory(prefix="foleydesk-mux-") as tmp:
        folder = Path(tmp)
        project = _project(folder, source)
        mix = render_mix(project, folder / "mix.wav", include_original=False, subtype="float32")
        ours_out = folder / "ours.mp4"
        theirs_out = folder / "ffmpeg.mp4"

        def ours() -> None:
            mux_video(project, ours_out, "mix", include_original=False)

        def theirs() -> None:
            ffmpeg(
                "-i", str(source), "-i", str(mix.path), "-map", "0:v", "-map", "1:a",
                "-c:v", "copy", "-c:a", "aac", "-b:a", "256k", str(theirs_out),
            )  # fmt: skip

        theirs()  # warm the page cache for both
        t_ours = timed(ours, repeat=2)
        t_theirs = timed(theirs, repeat=2)
        project.close()
    figure(f"mux {MINUTES} min 1080p + AAC mix, FoleyDesk", t_ours, "s")
    figure(f"mux {MINUTES} min 1080p + AAC mix, ffmpeg -c:v copy", t_theirs, "s")
    figure("mux ratio (target <= 1.2)", t_ours / t_theirs)


if __name__ == "__main__":
    main()
