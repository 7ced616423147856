"""CLI: `foleydesk export PROJECT` with stems, a muxed video and timeline files for the NLE."""

from __future__ import annotations

import argparse
import math
import sys
import threading
from fractions import Fraction
from pathlib import Path
from typing import Any

from foleydesk.cli.loudness_flags import add_loudness_flags, loudness_plan, print_loudness_summary
from foleydesk.cli.output import add_json_flag, print_json
from foleydesk.errors import UserError


def register(sub: argparse._SubParsersAction[Any]) -> None:
    p = sub.add_parser(
        "export",
        help="stems, a muxed video and timelines for Premiere/Resolve",
        description=(
            "Export a project: Broadcast WAV stems at the source's timecode, the source picture "
            "with the new sound, and timeline files that place every chosen take."
        ),
    )
    p.add_argument("project", type=Path)
    p.add_argument("--stems", type=Path, metavar="DIR", help="folder for the BWF stems")
    p.add_argument("--video", type=Path, metavar="FILE", help="muxed video (.mp4 AAC, .mov PCM)")
    p.add_argument(
        "--audio",
        choices=("mix", "tracks"),
        default="mix",
        help="video audio: the mix, or separate tracks (mix, original, each lane)",
    )
    p.add_argument("--no-original", action="store_true", help="leave the production audio out")
    p.add_argument("--xml", type=Path, metavar="FILE", help="FCP7 XML for Premiere Pro")
    p.add_argument("--fcpxml", type=Path, metavar="FILE", help="FCPXML for Resolve / Final Cut")
    p.add_argument("--edl", type=Path, metavar="FILE", help="CMX3600 EDL")
    p.add_argument("--otio", type=Path, metavar="FILE", help="OpenTimelineIO (.otio or .otioz)")
    p.add_argument("--aaf", type=Path, metavar="FILE", help="AAF for Pro Tools (and Resolve)")
    p.add_argument(
        "--aaf-link",
        choices=("clips", "stems"),
        default="clips",
        help="AAF clips link each cue's own BWF (default) or the lane's full-length stem",
    )
    p.add_argument(
        "--aaf-embed", action="store_true", help="put the audio inside the AAF (one file)"
    )
    p.add_argument(
        "--spotting", type=Path, metavar="FILE", help="spotting sheet (.csv or .pdf) of every cue"
    )
    p.add_argument("--float", action="store_true", help="32-bit float stems (default 24-bit)")
    p.add_argument(
        "--handles",
        type=_seconds,
        default=Fraction(0),
        metavar="SECONDS",
        help="extra take audio kept before/after each cue clip where the take has it",
    )
    p.add_argument(
        "--start-at-hour",
        action="store_true",
        help="start the sequence at 01:00:00:00 (Resolve's default) instead of the source TC",
    )
    p.add_argument(
        "--sequence-rate",
        metavar="R",
        help="timeline rate: 25, 29.97, 29.97df, 30000/1001... (default: the source's own when "
        "an NLE has it, else the rate it conforms to; remembered in the project)",
    )
    p.add_argument(
        "--relative-paths",
        action="store_true",
        help="OTIO media paths relative to the .otio file (to move the folder elsewhere)",
    )
    add_loudness_flags(p)
    p.add_argument(
        "--naming",
        choices=("default", "ucs"),
        default="default",
        help="cue clip names: label_lane (default) or UCS CatID_FXName_CreatorID_SourceID",
    )
    p.add_argument("--creator-id", default="FD", help="UCS CreatorID (default FD)")
    p.add_argument("--source-id", default="", help="UCS SourceID (default: the project name)")
    p.add_argument(
        "--category-stems",
        action="store_true",
        help="one stem per category (Foley, SFX, Ambience, Music, Production dialogue)",
    )
    p.add_argument("--m-and-e", action="store_true", help="an M&E stem (all but dialogue)")
    add_json_flag(p)
    p.set_defaults(func=cmd_export)


def _seconds(text: str) -> Fraction:
    """Seconds as typed, kept exact: 0.28 s at 25 fps is 7 frames of handle (as a float, 8)."""
    try:
        return Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds") from None


class _Meter:
    """Percent on stderr when it is a terminal; silent otherwise (logs and pipes stay clean)."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self.shown = -1

    def __call__(self, fraction: float) -> None:
        percent = int(fraction * 100)
        if self.enabled and percent != self.shown:
            self.shown = percent
            print(f"\rexporting... {percent:3d}%", end="", file=sys.stderr, flush=True)

    def done(self) -> None:
        if self.enabled and self.shown >= 0:
            print(file=sys.stderr)


def cmd_export(args: argparse.Namespace) -> int:
    from foleydesk.cli.project_cmds import open_project
    from foleydesk.interchange.aaf import AafOptions
    from foleydesk.interchange.export import ExportRequest, export_project

    if args.handles < 0:
        raise UserError("--handles must be 0 or more seconds.", "For example --handles 1.")
    with open_project(args.project) as project:
        handle_frames = math.ceil(args.handles * project.source.frame_rate)
        request = ExportRequest(
            stems_dir=args.stems,
            video=args.video,
            audio_mode=args.audio,
            include_original=not args.no_original,
            xml=args.xml,
            fcpxml=args.fcpxml,
            edl=args.edl,
            otio=args.otio,
            subtype="float32" if args.float else "pcm24",
            handle_frames=handle_frames,
            start_at_hour=args.start_at_hour,
            relative_paths=args.relative_paths,
            aaf=args.aaf,
            spotting=args.spotting,
            aaf_options=AafOptions(args.aaf_link, args.aaf_embed),
            loudness=loudness_plan(args),
            loudness_report=args.loudness_report,
            naming=args.naming,
            creator_id=args.creator_id,
            source_id=args.source_id,
            category_stems=args.category_stems,
            m_and_e=args.m_and_e,
            sequence_rate=args.sequence_rate,
        )
        meter = _Meter()
        cancel = threading.Event()
        try:
            report = export_project(project, request, meter, cancel)
        finally:
            meter.done()
        stems = report.stems
        if args.json:
            print_json(
                {
                    "written": [str(p) for p in report.files],
                    "unchanged": [str(p) for p in report.reused],
                    "loudness": stems.loudness_rows() if stems else [],
                    "not_written": {str(p): why for p, why in report.failed},
                    "sequence_rate": report.sequence_rate or None,
                    "clips": {
                        str(cue_id): {
                            "file": str(f.path),
                            "start_frame": f.rendered.start_frame,
                            "frames": f.rendered.frames,
                            "time_reference": f.rendered.time_reference,
                            "channels": f.rendered.channels,
                        }
                        for cue_id, f in (stems.clips.items() if stems else [])
                    },
                }
            )
            return 2 if report.failed else 0
        for path in report.files:
            print(f"wrote      {path}")
        if stems is not None:
            print_loudness_summary(stems)
        for path in report.reused:
            print(f"unchanged  {path}")
        if report.sequence_rate:
            print(f"timelines at {report.sequence_rate} fps")
        if stems is not None and not stems.clips:
            print("note: no cue has a chosen take yet; only the full-length stems were written")
        if report.failed:
            for path, why in report.failed:
                print(f"foleydesk: not written {path}: {why}", file=sys.stderr)
            return 2
    return 0
