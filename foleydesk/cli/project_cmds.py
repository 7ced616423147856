"""CLI: new, info, cue add/list/set/rm."""

from __future__ import annotations

import argparse
import dataclasses
from fractions import Fraction
from pathlib import Path
from typing import Any

from foleydesk.cli.output import add_json_flag, print_json
from foleydesk.core.commands import AddCue, DeleteCue, EditCue, UndoStack
from foleydesk.core.model import Cue, CueKind, SourceMedia
from foleydesk.core.positions import parse_position, start_timecode_change
from foleydesk.core.project import PROJECT_SUFFIX, Project, default_project_path
from foleydesk.core.timebase import format_rate, seconds_text
from foleydesk.errors import UserError
from foleydesk.media.ucs import check_cat_id


def register(sub: argparse._SubParsersAction[Any]) -> None:
    p = sub.add_parser("new", help="create a project for a video")
    p.add_argument("video", type=Path)
    p.add_argument("-o", "--output", type=Path, help="project file (default: beside the video)")
    p.add_argument("--lanes", type=int, default=2, help="number of Foley lanes (default 2)")
    p.add_argument(
        "--start-tc",
        metavar="TC",
        help="the project's start timecode (e.g. 01:00:00:00) where the file has none or the "
        "wrong one; cues stay on their frames",
    )
    add_json_flag(p)
    p.set_defaults(func=cmd_new)

    p = sub.add_parser(
        "audio", help="list the source's audio streams; choose production sound and waveform"
    )
    p.add_argument("project", type=Path)
    p.add_argument(
        "--production",
        metavar="N,N|all",
        help="the streams that are production sound (1-based, as listed), e.g. 1,2 or all",
    )
    p.add_argument(
        "--waveform",
        metavar="sum|N",
        help="the source waveform: the production streams summed, or one stream",
    )
    add_json_flag(p)
    p.set_defaults(func=cmd_audio)

    p = sub.add_parser("start-tc", help="change a project's start timecode")
    p.add_argument("project", type=Path)
    p.add_argument("timecode", metavar="TC", help="e.g. 01:00:00:00 (29.97 DF: 01:00:00;00)")
    add_json_flag(p)
    p.set_defaults(func=cmd_start_tc)

    p = sub.add_parser("info", help="what FoleyDesk knows of a project or a video")
    p.add_argument("path", type=Path)
    add_json_flag(p)
    p.set_defaults(func=cmd_info)

    cue = sub.add_parser("cue", help="add, list, change or remove cues")
    cue_sub = cue.add_subparsers(dest="cue_command", metavar="ACTION", required=True)

    p = cue_sub.add_parser("add", help="add a cue; prints its id")
    p.add_argument("project", type=Path)
    p.add_argument(
        "--in",
        dest="in_point",
        required=True,
        metavar="T",
        help="seconds (4.5), frames (108f) or the source timecode (00:00:04:12)",
    )
    p.add_argument("--out", dest="out_point", required=True, metavar="T")
    _cue_fields(p)
    add_json_flag(p)
    p.set_defaults(func=cmd_cue_add)

    p = cue_sub.add_parser("list", help="list the cues")
    p.add_argument("project", type=Path)
    add_json_flag(p)
    p.set_defaults(func=cmd_cue_list)

    p = cue_sub.add_parser("set", help="change a cue")
    p.add_argument("project", type=Path)
    p.add_argument("cue_id", type=int, metavar="CUE")
    p.add_argument("--in", dest="in_point", metavar="T")
    p.add_argument("--out", dest="out_point", metavar="T")
    _cue_fields(p)
    add_json_flag(p)
    p.set_defaults(func=cmd_cue_set)

    p = cue_sub.add_parser("rm", help="remove a cue (its take files stay in the media folder)")
    p.add_argument("project", type=Path)
    p.add_argument("cue_id", type=int, metavar="CUE")
    p.set_defaults(func=cmd_cue_rm)


def _cue_fields(p: argparse.ArgumentParser) -> None:
    p.add_argument("--prompt", help="what the range should sound like")
    p.add_argument("--negative", help="what it should not sound like")
    p.add_argument("--kind", choices=[k.value for k in CueKind])
    p.add_argument("--label")
    p.add_argument("--lane", type=int, help="lane number as the timeline shows it (1 = top)")
    p.add_argument("--provider", help="provider id for this cue (see 'providers')")
    p.add_argument("--ucs", metavar="CATID", help="UCS CatID for this cue's file name")


# -- time input ------------------------------------------------------------------------------------


# -- descriptions ----------------------------------------------------------------------------------


def position_json(frame: int, source: SourceMedia) -> dict[str, Any]:
    t = Fraction(frame) / source.frame_rate
    return {
        "frame": frame,
        "seconds": float(t),
        "seconds_exact": t,  # print_json writes a Fraction as "n/d"
        "timecode": source.timecode_at(frame),
        "display": source.display_at(frame),
    }


def cue_json(project: Project, cue: Cue) -> dict[str, Any]:
    lane = project.lanes[cue.lane_id]
    source = project.source
    return {
        "id": cue.id,
        "lane": project.sorted_lanes().index(lane) + 1,
        "lane_name": lane.name,
        "label": cue.label,
        "kind": cue.kind.value,
        "prompt": cue.prompt,
        "negative_prompt": cue.negative_prompt,
        "provider": cue.provider_id,
        "params": cue.params,
        "colour": cue.colour,
        "in": position_json(cue.in_frame, source),
        "out": position_json(cue.out_frame, source),
        "duration": {"frames": cue.frame_count, "seconds": float(cue.duration(source.frame_rate))},
        "chosen_take": cue.chosen_take_id,
        "takes": [t.id for t in project.takes_for(cue.id)],
    }


def source_json(source: SourceMedia, found: Path | None) -> dict[str, Any]:
    return {
        "path": source.path,
        "found_at": str(found) if found else None,
        "container": source.container,
        "duration": float(source.duration),
        "duration_exact": source.duration,
        "frame_rate": format_rate(source.frame_rate),
        "frame_rate_exact": source.frame_rate,
        "frame_count": source.frame_count,
        "width": source.width,
        "height": source.height,
        "start_timecode": source.start_timecode(),
        "timecode_source": source.timecode_source,
        "timecode_rate": format_rate(source.timecode_rate),
        "smpte": source.smpte,
        "drop_frame": source.drop_frame,
        "vfr": source.vfr,
        "field_order": source.field_order,
        "sample_aspect": source.sample_aspect,
        "rotation": source.rotation,
        "has_audio": source.has_audio,
        "audio_sample_rate": source.audio_sample_rate,
        "audio_channels": source.audio_channels,
        "audio_streams": source.audio_streams,
        "production_streams": source.production,
        "sequence_rate": _sequence_text(source),
    }


def _sequence_text(source: SourceMedia) -> str:
    from foleydesk.interchange.sequence import default_sequence_rate, parse_sequence_rate

    if source.sequence_rate:
        try:
            return parse_sequence_rate(source.sequence_rate).text
        except UserError:
            pass
    return default_sequence_rate(source).text


def project_json(project: Project) -> dict[str, Any]:
    return {
        "project": str(project.path),
        "sequence_rate": _sequence_text(project.source),
        "media_folder": str(project.media_dir),
        "source": source_json(project.source, project.source_path),
        "lanes": [
            {"number": n, "id": lane.id, "name": lane.name, "kind": lane.kind.value}
            for n, lane in enumerate(project.sorted_lanes(), 1)
        ],
        "cues": [cue_json(project, cue) for cue in project.sorted_cues()],
        "takes": [
            {
                "id": t.id,
                "cue": t.cue_id,
                "provider": t.provider_id,
                "status": t.status.value,
                "file": str(project.take_path(t)) if t.file else None,
                "sha256": t.sha256,
                "seed": t.seed,
                "job": t.job_id,
            }
            for t in project.takes.values()
        ],
        "jobs": [
            {
                "id": j.id,
                "cue": j.cue_id,
                "provider": j.provider_id,
                "state": j.state.value,
                "task_id": j.task_id,
                "take": j.take_id,
                "status_text": j.status_text,
                "error": j.error,
                "cost_estimate": j.cost_estimate,
            }
            for j in project.jobs.values()
        ],
    }


def audio_lines(source: SourceMedia) -> list[str]:
    """One line per audio stream (channels, layout, codec, rate); production ones marked."""
    if not source.audio_streams:
        if not source.has_audio:
            return ["none"]
        return [f"{source.audio_channels} ch at {source.audio_sample_rate} Hz"]
    production = set(source.production)
    lines = []
    if len(source.audio_streams) > 1:
        total = sum(int(s["channels"]) for s in source.audio_streams)
        lines.append(f"{len(source.audio_streams)} streams, {total} channels in all")
    for n, stream in enumerate(source.audio_streams):
        mark = "production" if n in production else "not production"
        channels = int(stream["channels"])
        lines.append(
            f"#{n + 1}: {channels} ch ({stream['layout'] or '?'}), {stream['codec']} at "
            f"{stream['sample_rate']} Hz, {mark}"
        )
    return lines


def print_source_lines(source: SourceMedia) -> None:
    size = f"{source.width}x{source.height}"
    if source.sample_aspect != 1:
        shown = round(source.width * source.sample_aspect)
        size += f" (pixel aspect {source.sample_aspect}, shown {shown}x{source.height})"
    if source.field_order not in ("", "progressive"):
        first = "top" if source.field_order in ("tt", "tb") else "bottom"
        size += f", interlaced ({first} field first)"
    if source.rotation:
        size += f", rotated {source.rotation} degrees"
    print(f"duration:        {seconds_text(source.duration)} s ({source.frame_count} frames)")
    rate = format_rate(source.frame_rate)
    note = " (VFR, average)" if source.vfr else ("" if source.smpte else " (no SMPTE timecode)")
    print(f"frame rate:      {rate}{note}")
    print(f"sequence rate:   {_sequence_text(source)} (timeline exports)")
    where = f" (from {source.timecode_source})" if source.timecode_source else ""
    print(f"start timecode:  {source.start_timecode()}{where}")
    print(f"picture:         {size}")
    for index, line in enumerate(audio_lines(source)):
        print(f"{'audio:' if index == 0 else '':<17}{line}")


def open_project(path: Path) -> Project:
    if path.suffix != PROJECT_SUFFIX:
        raise UserError(
            f"{path.name} is not a project file.",
            f"Pass the {PROJECT_SUFFIX} file (create one with 'foleydesk new VIDEO').",
        )
    return Project.open(path)


# -- commands --------------------------------------------------------------------------------------


def cmd_new(args: argparse.Namespace) -> int:
    from foleydesk.media.probe import probe, source_media_from_info

    if args.lanes < 1:
        raise UserError("A project needs at least one Foley lane.", "Use --lanes 1 or more.")
    source = source_media_from_info(probe(args.video))
    if args.start_tc:
        source = dataclasses.replace(source, **start_timecode_change(source, args.start_tc))
    target = args.output or default_project_path(args.video)
    with Project.create(target, source, foley_lanes=args.lanes) as project:
        if args.json:
            print_json(project_json(project))
        else:
            print(f"project:         {project.path}")
            print_source_lines(project.source)
    return 0


def _stream_numbers(text: str, count: int) -> list[int]:
    """'1,3' -> positions [0, 2]; 'all' -> every stream; a clear error for anything else."""
    if text.strip().lower() == "all":
        return list(range(count))
    try:
        numbers = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        numbers = []
    if not numbers or any(not 1 <= n <= count for n in numbers):
        raise UserError(
            f"'{text}' does not name audio streams of this source (it has {count}).",
            f"Use numbers from 1 to {count} separated by commas, or 'all'.",
        )
    return sorted({n - 1 for n in numbers})


def cmd_audio(args: argparse.Namespace) -> int:
    with open_project(args.project) as project:
        source = project.source
        count = len(source.audio_streams)
        changes: dict[str, Any] = {}
        if args.production is not None:
            if not count:
                raise UserError("The source has no audio streams.", "Nothing to choose.")
            changes["production_streams"] = _stream_numbers(args.production, count)
        if args.waveform is not None:
            if args.waveform.strip().lower() == "sum":
                changes["waveform_stream"] = None
            else:
                (position,) = _stream_numbers(args.waveform, count)[:1] or [0]
                changes["waveform_stream"] = position
        if changes:
            source = project.update_source(**changes)
        if args.json:
            print_json(
                {
                    "audio_streams": source.audio_streams,
                    "production_streams": source.production,
                    "waveform_stream": source.waveform_stream,
                }
            )
            return 0
        for line in audio_lines(source):
            print(line)
        shown = (
            "production streams summed"
            if source.waveform_stream is None
            else f"stream #{source.waveform_stream + 1}"
        )
        print(f"waveform: {shown}")
    return 0


def cmd_start_tc(args: argparse.Namespace) -> int:
    with open_project(args.project) as project:
        project.update_source(**start_timecode_change(project.source, args.timecode))
        if args.json:
            print_json(source_json(project.source, project.source_path))
        else:
            print(f"start timecode:  {project.source.start_timecode()}")
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    path: Path = args.path
    if path.suffix == PROJECT_SUFFIX:
        with Project.open(path) as project:
            if args.json:
                print_json(project_json(project))
                return 0
            print(f"project:         {project.path}")
            where = project.source_path or "NOT FOUND (relink it)"
            print(f"source:          {where}")
            print_source_lines(project.source)
            print(
                f"cues:            {len(project.cues)}, takes: {len(project.takes)}, "
                f"jobs: {len(project.jobs)} ({len(project.unfinished_jobs())} unfinished)"
            )
            _print_cue_table(project)
        return 0
    from foleydesk.media.probe import probe, source_media_from_info

    info = probe(path)
    if args.json:
        data = info.to_dict()
        data["sequence_rate"] = _sequence_text(source_media_from_info(info))
        print_json(data)
        return 0
    print(f"file:            {path}")
    print_source_lines(source_media_from_info(info))
    return 0


def cmd_cue_add(args: argparse.Namespace) -> int:
    with open_project(args.project) as project:
        kind = CueKind(args.kind) if args.kind else CueKind.FOLEY
        lane = (
            project.lane_by_number(args.lane)
            if args.lane is not None
            else project.default_lane(kind)
        )
        cue = Cue(
            0,
            lane.id,
            parse_position(args.in_point, project.source),
            parse_position(args.out_point, project.source),
            label=args.label or "",
            prompt=args.prompt or "",
            negative_prompt=args.negative or "",
            kind=kind,
            provider_id=args.provider,
            colour="",
            ucs_cat_id=check_cat_id(args.ucs or ""),
        )
        command = UndoStack(project).push(AddCue(cue))
        assert isinstance(command, AddCue) and command.created is not None
        created = command.created
        if args.json:
            print_json(cue_json(project, created))
        else:
            print(created.id)
    return 0


def cmd_cue_list(args: argparse.Namespace) -> int:
    with open_project(args.project) as project:
        if args.json:
            print_json([cue_json(project, cue) for cue in project.sorted_cues()])
        else:
            _print_cue_table(project)
    return 0


def _print_cue_table(project: Project) -> None:
    cues = project.sorted_cues()
    if not cues:
        print("no cues")
        return
    # As the app shows them: timecode, or clock time and frame where the rate has none.
    width = 12 if project.source.smpte else 18
    print(
        f"{'id':>4}  {'lane':<9} {'in':<{width}} {'out':<{width}} {'secs':>7}  {'takes':>5}  "
        "label / prompt"
    )
    for cue in cues:
        data = cue_json(project, cue)
        text = cue.label or cue.prompt
        if cue.label and cue.prompt:
            text = f"{cue.label}: {cue.prompt}"
        print(
            f"{cue.id:>4}  {data['lane_name']:<9} {data['in']['display']:<{width}} "
            f"{data['out']['display']:<{width}} {data['duration']['seconds']:>7.3f}  "
            f"{len(data['takes']):>5}  {text}"
        )


def cmd_cue_set(args: argparse.Namespace) -> int:
    with open_project(args.project) as project:
        cue = project.cue(args.cue_id)
        changes: dict[str, Any] = {}
        if args.in_point is not None:
            changes["in_frame"] = parse_position(args.in_point, project.source)
        if args.out_point is not None:
            changes["out_frame"] = parse_position(args.out_point, project.source)
        for arg, name in (
            ("prompt", "prompt"),
            ("negative", "negative_prompt"),
            ("label", "label"),
            ("provider", "provider_id"),
        ):
            if getattr(args, arg) is not None:
                changes[name] = getattr(args, arg)
        if args.ucs is not None:
            changes["ucs_cat_id"] = check_cat_id(args.ucs)
        if args.kind:
            changes["kind"] = CueKind(args.kind)
        if args.lane is not None:
            changes["lane_id"] = project.lane_by_number(args.lane).id
        if not changes:
            raise UserError(
                "Nothing to change.",
                "Give at least one of --in, --out, --prompt, "
                "--negative, --label, --kind, --lane, --provider.",
            )
        UndoStack(project).push(EditCue(cue.id, changes))
        if args.json:
            print_json(cue_json(project, project.cue(cue.id)))
    return 0


def cmd_cue_rm(args: argparse.Namespace) -> int:
    with open_project(args.project) as project:
        UndoStack(project).push(DeleteCue(project.cue(args.cue_id).id))
    return 0
