"""One export run: stems, the muxed video and the timeline files an editor asked for.

The timeline files reference the stems, so asking for any of them renders the stems too (into
the project's exports folder unless a stems folder is given). Every file is written beside its
final name and renamed when complete; progress goes to one callback across all the steps.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import opentimelineio as otio

from foleydesk.core.project import Project
from foleydesk.errors import UserError
from foleydesk.interchange.aaf import AafOptions, check_aaf_possible, write_aaf
from foleydesk.interchange.edl import edl_string
from foleydesk.interchange.fcp7 import xmeml_string
from foleydesk.interchange.fcpxml import fcpxml_string
from foleydesk.interchange.notes import add_note_marker
from foleydesk.interchange.sequence import (
    parse_sequence_rate,
    remember_sequence_rate,
    sequence_rate,
)
from foleydesk.interchange.spotting import write_spotting
from foleydesk.interchange.timeline import TimelineOptions, build_timeline
from foleydesk.interchange.urls import plain_path, write_text_atomic
from foleydesk.media.atomic import atomic_output
from foleydesk.media.bwf import Subtype
from foleydesk.media.mux import AudioMode, container_for, mux_video
from foleydesk.media.render import Progress, check_cancel
from foleydesk.media.stem_loudness import LoudnessPlan, write_report
from foleydesk.media.stems import StemExport, StemOptions, export_stems


@dataclass(frozen=True)
class ExportRequest:
    stems_dir: Path | None = None
    video: Path | None = None
    audio_mode: AudioMode = "mix"
    include_original: bool = True
    xml: Path | None = None
    fcpxml: Path | None = None
    edl: Path | None = None
    otio: Path | None = None  # .otio (plain paths) or .otioz (media bundled)
    subtype: Subtype = "pcm24"
    handle_frames: int = 0
    start_at_hour: bool = False  # sequence at 01:00:00:00 instead of the source's timecode
    relative_paths: bool = False  # OTIO media paths relative to the .otio file
    aaf: Path | None = None
    spotting: Path | None = None  # .csv or .pdf
    aaf_options: AafOptions = field(default_factory=AafOptions)
    loudness: LoudnessPlan = field(default_factory=LoudnessPlan)
    naming: str = "default"  # "ucs": cue clips named CatID_FXName_CreatorID_SourceID
    creator_id: str = "FD"
    source_id: str = ""
    category_stems: bool = False
    m_and_e: bool = False
    loudness_report: Path | None = None  # a copy of the report anywhere (.json/.csv/both)
    sequence_rate: str | None = None  # "25", "29.97df"...; None: the project's choice/default

    @property
    def wants_timeline(self) -> bool:
        paths = (self.xml, self.fcpxml, self.edl, self.otio, self.aaf)
        return any(p is not None for p in paths)

    def validate(self) -> None:
        if self.loudness_report is not None and not (self.stems_dir or self.wants_timeline):
            raise UserError(
                "A loudness report measures the stems, and none are exported.",
                "Add --stems DIR (or a timeline, which writes stems too).",
            )
        if not (self.stems_dir or self.video or self.wants_timeline or self.spotting):
            raise UserError(
                "Nothing to export.",
                "Add one or more of --stems DIR, --video FILE, --xml, --fcpxml, --edl, --otio, "
                "--aaf, --spotting.",
            )
        if self.video is not None:
            container_for(self.video)
        for path, suffixes, flag in (
            (self.xml, (".xml",), "--xml"),
            (self.fcpxml, (".fcpxml",), "--fcpxml"),
            (self.edl, (".edl",), "--edl"),
            (self.otio, (".otio", ".otioz"), "--otio"),
            (self.aaf, (".aaf",), "--aaf"),
            (self.spotting, (".csv", ".pdf"), "--spotting"),
        ):
            if path is not None and path.suffix.lower() not in suffixes:
                raise UserError(
                    f"{flag} needs a file ending in {' or '.join(suffixes)}, not {path.name}.",
                    f"For example {flag} cut{suffixes[0]}.",
                )
        if self.handle_frames < 0:
            raise UserError("Handles cannot be negative.", "Use 0 or more.")
        if self.sequence_rate:
            parse_sequence_rate(self.sequence_rate)


@dataclass
class ExportReport:
    stems: StemExport | None = None
    files: list[Path] = field(default_factory=list)  # written by this run
    reused: list[Path] = field(default_factory=list)  # stems found up to date
    failed: list[tuple[Path, str]] = field(default_factory=list)  # not written, and why
    sequence_rate: str = ""  # the rate the timeline files were written at

    def lines(self) -> list[str]:
        """Per file: written, unchanged, or not written and why (CLI and dialog alike)."""
        out = [f"wrote      {p}" for p in self.files]
        out += [f"unchanged  {p}" for p in self.reused]
        out += [f"NOT written {p}: {why}" for p, why in self.failed]
        return out


def _reason(exc: Exception) -> str:
    if isinstance(exc, UserError):
        return f"{exc.message} {exc.hint}".strip() if exc.hint else exc.message
    return f"{type(exc).__name__}: {exc}"


class _Stages:
    """Maps each step's own 0..1 progress into the run's overall fraction."""

    def __init__(self, progress: Progress | None, weights: list[float]) -> None:
        self.progress = progress
        self.weights = weights
        self.total = sum(weights) or 1.0
        self.index = 0

    def step(self) -> Progress:
        before = sum(self.weights[: self.index]) / self.total
        share = self.weights[self.index] / self.total
        self.index += 1

        def report(fraction: float) -> None:
            if self.progress is not None:
                self.progress(min(1.0, before + share * fraction))

        return report


def write_otio_file(timeline: otio.schema.Timeline, path: Path, relative: bool) -> Path:
    """`.otio` with plain paths (Resolve rejects file:// URLs there); `.otioz` bundles media."""
    copy: otio.schema.Timeline = timeline.deepcopy()
    if path.suffix.lower() == ".otioz":
        with atomic_output(path) as tmp:
            tmp.unlink()  # the otioz writer refuses to overwrite, even the empty temp file
            otio.adapters.write_to_file(copy, str(tmp), adapter_name="otioz")
        return path
    base = path.parent.resolve() if relative else None
    for clip in copy.find_clips():
        add_note_marker(clip)
        ref = clip.media_reference
        if isinstance(ref, otio.schema.ExternalReference):
            ref.target_url = plain_path(ref.target_url, base)
    text = otio.adapters.write_to_string(copy, "otio_json")
    return write_text_atomic(path, text)


TIMELINE_FORMATS = ("fcp7", "fcpxml", "edl", "otio")


def export_timeline(
    project: Project,
    out_path: Path,
    fmt: str,
    stems: StemExport | None = None,
    options: TimelineOptions | None = None,
    relative_paths: bool = False,
) -> Path:
    """One timeline file (fmt: fcp7, fcpxml, edl, otio) referencing `stems`; without stems,
    they are rendered (or found up to date) in the project's exports folder first."""
    if fmt not in TIMELINE_FORMATS:
        raise UserError(f"Unknown timeline format {fmt!r}.", f"Use one of {TIMELINE_FORMATS}.")
    if stems is None:
        stems = export_stems(project, project.exports_dir / "stems")
    timeline = build_timeline(project, stems, options)
    return write_timeline(project, timeline, Path(out_path), fmt, relative_paths)


def write_timeline(
    project: Project,
    timeline: otio.schema.Timeline,
    out_path: Path,
    fmt: str,
    relative_paths: bool = False,
) -> Path:
    """Write one format of an already built timeline (the writers never change it)."""
    if fmt == "fcp7":
        return write_text_atomic(out_path, xmeml_string(project, timeline))
    if fmt == "fcpxml":
        return write_text_atomic(out_path, fcpxml_string(project, timeline))
    if fmt == "edl":
        return write_text_atomic(out_path, edl_string(project, timeline))
    return write_otio_file(timeline, out_path, relative_paths)


def export_project(
    project: Project,
    request: ExportRequest,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> ExportReport:
    """Run the export the request describes and say which files it wrote."""
    request.validate()
    if request.aaf is not None:
        check_aaf_possible(project)
    report = ExportReport()
    stems_dir = request.stems_dir
    if stems_dir is None and request.wants_timeline:
        stems_dir = project.exports_dir / "stems"
    weights = [0.5 if stems_dir else 0.0, 0.45 if request.video else 0.0, 0.05]
    stages = _Stages(progress, weights)

    stem_progress = stages.step()
    if stems_dir is not None:
        options = StemOptions(
            subtype=request.subtype,
            handle_frames=request.handle_frames,
            include_original_in_mix=request.include_original,
            loudness=request.loudness,
            naming=request.naming,
            creator_id=request.creator_id,
            source_id=request.source_id,
            category_stems=request.category_stems,
            m_and_e=request.m_and_e,
        )
        report.stems = export_stems(project, stems_dir, options, stem_progress, cancel)
        report.files.extend(report.stems.written)
        report.reused.extend(report.stems.reused)
        if request.loudness_report is not None:
            rows = report.stems.loudness_rows()
            report.files.extend(write_report(rows, request.loudness_report))

    video_progress = stages.step()
    if request.video is not None:
        check_cancel(cancel)
        try:
            mux_video(
                project,
                request.video,
                request.audio_mode,
                request.include_original,
                video_progress,
                cancel,
            )
            report.files.append(request.video)
        except UserError as exc:  # a property of the source: the other files still go out
            report.failed.append((request.video, _reason(exc)))

    timeline_progress = stages.step()
    if request.wants_timeline and report.stems is not None:
        check_cancel(cancel)
        seq = sequence_rate(project, request.sequence_rate)
        report.sequence_rate = seq.text
        if request.sequence_rate:
            remember_sequence_rate(project, seq)  # kept for the next export
        options_tl = TimelineOptions(start_at_hour=request.start_at_hour, sequence=seq)
        timeline = build_timeline(project, report.stems, options_tl)
        for fmt, path in (
            ("fcp7", request.xml),
            ("fcpxml", request.fcpxml),
            ("edl", request.edl),
            ("otio", request.otio),
        ):
            if path is not None:
                try:
                    written = write_timeline(project, timeline, path, fmt, request.relative_paths)
                except (UserError, ValueError, otio.exceptions.OTIOError) as exc:
                    report.failed.append((path, _reason(exc)))
                else:
                    report.files.append(written)
        if request.aaf is not None:
            aaf = write_aaf(project, timeline, report.stems, request.aaf, request.aaf_options)
            report.files.append(aaf)
    if request.spotting is not None:
        report.files.append(write_spotting(project, request.spotting))
    timeline_progress(1.0)
    return report
