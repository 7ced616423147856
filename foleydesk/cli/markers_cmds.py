"""CLI: `foleydesk import-markers PROJECT FILE`: the NLE's markers become cues."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from foleydesk.cli.output import add_json_flag, print_json
from foleydesk.errors import UserError


def register(sub: argparse._SubParsersAction[Any]) -> None:
    p = sub.add_parser(
        "import-markers",
        help="turn markers from Premiere/Resolve (XML, FCPXML, EDL, OTIO, CSV) into cues",
        description=(
            "Read the markers an editor placed in the NLE and add a cue for each: name -> "
            "label, comment -> prompt, colour, duration -> range. Markers outside the source "
            "are listed; markers imported before are skipped."
        ),
    )
    p.add_argument("project", type=Path)
    p.add_argument("file", type=Path, help=".xml, .fcpxml, .edl, .otio, .csv or .txt")
    p.add_argument(
        "--length",
        type=float,
        default=None,
        metavar="SECONDS",
        help="length of a cue from a marker without a duration (default: the setting, 2 s)",
    )
    p.add_argument("--lane", type=int, help="lane number for the new cues (default: Foley 1)")
    add_json_flag(p)
    p.set_defaults(func=cmd_import_markers)


def cmd_import_markers(args: argparse.Namespace) -> int:
    from foleydesk.cli.project_cmds import open_project
    from foleydesk.interchange.markers_cues import markers_to_cues
    from foleydesk.settings import load_settings

    length = args.length if args.length is not None else load_settings().marker_cue_seconds
    if not 0 < length <= 3600:
        raise UserError("--length must be more than 0 seconds.", "For example --length 2.")
    with open_project(args.project) as project:
        lane = project.lane_by_number(args.lane) if args.lane is not None else None
        result = markers_to_cues(project, args.file, length, lane)
        tc = project.source.timecode
        if args.json:
            print_json(
                {
                    "format": result.kind,
                    "origin": result.origin,
                    "added": [
                        {
                            "cue": c.id,
                            "label": c.label,
                            "in_frame": c.in_frame,
                            "out_frame": c.out_frame,
                        }
                        for c in result.added
                    ],
                    "already_imported": [m.name for m in result.already],
                    "outside": [{"name": m.name, "why": why} for m, why in result.outside],
                }
            )
            return 0
        start = project.source.start_timecode_frames
        for cue in result.added:
            print(f"added      cue {cue.id} at {tc.to_label(start + cue.in_frame)}  {cue.label}")
        for marker, why in result.outside:
            print(f"not placed {marker.name or '(no name)'}: {why}")
        print(result.summary())
    return 0
