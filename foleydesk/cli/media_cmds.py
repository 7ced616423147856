"""CLI: probe (what a video is) and segment (the upload a provider would receive for a cue)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from foleydesk.cli.output import add_json_flag, print_json
from foleydesk.core.timebase import format_rate, seconds_text

N = TypeVar("N", int, float)


def register(sub: argparse._SubParsersAction[Any]) -> None:
    p = sub.add_parser("probe", help="what FoleyDesk reads from a video file")
    p.add_argument("video", type=Path)
    add_json_flag(p)
    p.set_defaults(func=cmd_probe)

    p = sub.add_parser("segment", help="write the upload segment a provider receives for a cue")
    p.add_argument("project", type=Path)
    p.add_argument("--cue", type=int, required=True, metavar="ID", help="cue id (see 'cue list')")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="FILE", help="MP4 to write")
    p.add_argument("--fps", default="25", help="segment frame rate (default 25)")
    p.add_argument(
        "--short-side", type=_positive(int), default=480, help="short side in pixels (480)"
    )
    p.add_argument("--max-mb", type=_positive(float), help="size limit in MB (PiAPI: 10)")
    add_json_flag(p)
    p.set_defaults(func=cmd_segment)


def _positive(kind: Callable[[str], N]) -> Callable[[str], N]:
    """An argparse type that refuses zero and negatives (a 0-pixel picture encodes as 2x2)."""

    def parse(text: str) -> N:
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not value > 0 or value == float("inf"):
            raise argparse.ArgumentTypeError(f"'{text}' is not a number above zero")
        return value

    return parse


def cmd_probe(args: argparse.Namespace) -> int:
    from foleydesk.media.probe import probe

    info = probe(args.video)
    if args.json:
        print_json(info.to_dict())
        return 0
    v = info.video
    print(f"file:            {info.path}")
    print(f"container:       {info.container} ({info.size_bytes} bytes)")
    print(f"duration:        {seconds_text(info.duration)} s ({v.frame_count} frames)")
    rate = format_rate(v.avg_rate)
    extra = " (VFR)" if v.vfr else ""
    if v.real_rate and v.real_rate != v.avg_rate:
        extra += f", real rate {format_rate(v.real_rate)}"
    print(f"frame rate:      {rate}{extra}")
    print(f"video:           {v.codec} {v.profile}".rstrip())
    size = f"{v.width}x{v.height}"
    if (v.display_width, v.display_height) != (v.width, v.height):
        size += f" shown as {v.display_width}x{v.display_height}"
    if v.rotation:
        size += f", rotated {v.rotation}°"
    if v.sample_aspect != 1:
        size += f", pixel aspect {v.sample_aspect}"
    print(f"picture:         {size}, {v.pix_fmt} {v.bit_depth}-bit")
    print(f"start:           {seconds_text(v.start_time)} s")
    tc = info.start_timecode or "none"
    if info.timecode_source:
        tc += f" ({'timecode track' if info.timecode_source == 'tmcd' else 'tag'})"
    print(f"start timecode:  {tc}")
    if not info.audio:
        print("audio:           none")
    for a in info.audio:
        bits = f", {a.bit_depth}-bit" if a.bit_depth else ""
        print(
            f"audio #{a.index}:        {a.codec}, {a.sample_rate} Hz, "
            f"{a.channels} ch ({a.layout}){bits}"
        )
    return 0


def cmd_segment(args: argparse.Namespace) -> int:
    from foleydesk.cli.project_cmds import open_project
    from foleydesk.core.timebase import parse_rate
    from foleydesk.media.segments import SegmentSpec, cut_segment

    spec = SegmentSpec(
        fps=parse_rate(args.fps),
        short_side=args.short_side,
        max_bytes=int(args.max_mb * 1_000_000) if args.max_mb else None,
    )
    with open_project(args.project) as project:
        cue = project.cue(args.cue)
        source = project.require_source()
        rate = project.source.frame_rate
        start, end = cue.in_time(rate), cue.out_time(rate)
        out = cut_segment(source, start, end, spec, args.output)
    size = out.stat().st_size
    if args.json:
        print_json(
            {
                "file": str(out),
                "bytes": size,
                "cue": cue.id,
                "start": start,
                "end": end,
                "fps": spec.fps,
                "short_side": spec.short_side,
            }
        )
    else:
        print(f"{out} ({size / 1e6:.2f} MB, {seconds_text(end - start)} s)")
    return 0
