"""Loudness benchmark: measuring a 2-hour stereo 24-bit stem (the size of a feature's lane stem)
with FoleyDesk's meter (PyAV decode + ebur128 graph, true peak on) against
`ffmpeg -af ebur128=peak=true` on the same file. Target: ratio <= 1.2.

The input (about 2 GB) is made once under bench/_work/loudness: 60 s of pink noise, repeated.
"""

from __future__ import annotations

from bench.common import ffmpeg, figure, timed, work_dir

HOURS = 2


def main() -> None:
    from foleydesk.media.loudness import measure_file

    work = work_dir("loudness")
    stem = work / "stem_2h.wav"
    if not stem.exists():
        piece = work / "piece_60s.wav"
        ffmpeg(
            *("-f", "lavfi", "-i", "anoisesrc=r=48000:a=0.2:c=pink:d=60", "-ac", "2"),
            *("-c:a", "pcm_s24le", str(piece)),
        )
        ffmpeg(
            *("-stream_loop", str(HOURS * 60 - 1), "-i", str(piece), "-c:a", "pcm_s24le"),
            *("-rf64", "auto", str(stem)),
        )
    ours = timed(lambda: measure_file(stem))
    reference = timed(
        lambda: ffmpeg("-nostats", "-i", str(stem), "-af", "ebur128=peak=true", "-f", "null", "-")
    )
    figure("loudness_2h_foleydesk_s", ours, "s")
    figure("loudness_2h_ffmpeg_s", reference, "s")
    figure("loudness_2h_ratio", ours / reference)
