"""A stems folder: one BWF per chosen take, one full-length stem per lane and the mix.

Files are content-addressed: a manifest in the folder records what each file was rendered from
(a hash of the take file, its gain, offset and fades, the cue range, the lane gain, the format),
so re-exporting after changing one cue rewrites only that cue's clip, its lane's stem and the mix.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from foleydesk.core.model import Lane
from foleydesk.core.project import Project
from foleydesk.errors import UserError
from foleydesk.media.atomic import atomic_output
from foleydesk.media.bwf import BwfMeta, Subtype
from foleydesk.media.render import (
    Placement,
    Progress,
    RenderedFile,
    check_cancel,
    chosen_placements,
    lane_audible,
    original_settings,
    render_cue_clip,
    render_group,
    render_lane_stem,
    render_mix,
    stem_grid,
    track_names,
)
from foleydesk.media.stem_groups import check_ucs_ready, clip_stem_ucs, group_plan
from foleydesk.media.stem_loudness import (
    REPORT_CSV,
    REPORT_JSON,
    LoudnessPlan,
    finish_file,
    report_rows,
    write_report,
)

MANIFEST = ".foleydesk-stems.json"
_FORMAT_VERSION = 1
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{p}{i}" for p in ("COM", "LPT") for i in range(10)}


@dataclass(frozen=True)
class StemOptions:
    subtype: Subtype = "pcm24"
    handle_frames: int = 0
    lane_stems: bool = True
    mix: bool = True
    include_original_in_mix: bool = True
    loudness: LoudnessPlan = field(default_factory=LoudnessPlan)
    naming: str = "default"  # or "ucs": CatID_FXName_CreatorID_SourceID for cue clips
    creator_id: str = "FD"
    source_id: str = ""  # "" = the project's name
    category_stems: bool = False  # one stem per lane category (and production dialogue)
    m_and_e: bool = False  # every lane, no production dialogue


@dataclass(frozen=True)
class ExportedFile:
    """One file of the folder, where it sits on the source's frame grid, and whether this
    export wrote it or found it up to date."""

    name: str
    path: Path
    rendered: RenderedFile
    written: bool
    cue_id: int | None = None
    lane_id: int | None = None
    loudness: dict[str, Any] = field(default_factory=dict)  # figures and normalisation


@dataclass
class StemExport:
    folder: Path
    clips: dict[int, ExportedFile] = field(default_factory=dict)  # by cue id
    lane_stems: dict[int, ExportedFile] = field(default_factory=dict)  # by lane id
    mix: ExportedFile | None = None
    groups: dict[str, ExportedFile] = field(default_factory=dict)  # category stems, M&E

    def files(self) -> list[ExportedFile]:
        out = [*self.clips.values(), *self.lane_stems.values()]
        return out + ([self.mix] if self.mix else []) + list(self.groups.values())

    def loudness_rows(self) -> list[dict[str, Any]]:
        kinds = [("clip", f) for f in self.clips.values()]
        kinds += [("lane", f) for f in self.lane_stems.values()]
        kinds += [("mix", self.mix)] if self.mix else []
        kinds += [("group", f) for f in self.groups.values()]
        return report_rows([(f.name, kind, f.loudness) for kind, f in kinds])

    @property
    def written(self) -> list[Path]:
        return [f.path for f in self.files() if f.written]

    @property
    def reused(self) -> list[Path]:
        return [f.path for f in self.files() if not f.written]


def safe_name(text: str, fallback: str = "untitled") -> str:
    """A file name stem that every OS accepts (keeps accents and spaces, drops separators)."""
    name = unicodedata.normalize("NFC", text)
    name = _UNSAFE.sub("_", name).strip().rstrip(". ")
    name = name[:120].rstrip(". ") or fallback
    if name.split(".")[0].upper() in _RESERVED:
        name = f"_{name}"
    return name


class _Names:
    """Unique names in one folder, compared case-insensitively (macOS and Windows)."""

    def __init__(self) -> None:
        self._taken: set[str] = {MANIFEST.lower(), REPORT_JSON, REPORT_CSV}

    def claim(self, stem: str) -> str:
        candidate, n = f"{stem}.wav", 2
        while candidate.lower() in self._taken:
            candidate, n = f"{stem}_{n}.wav", n + 1
        self._taken.add(candidate.lower())
        return candidate


def _take_identity(project: Project, placement: Placement) -> str:
    take = placement.take
    path = project.take_path(take)
    try:
        stat = path.stat()
    except OSError:
        return f"missing:{take.file}"
    return f"{take.sha256}:{stat.st_size}:{stat.st_mtime_ns}"


def _placement_key(project: Project, p: Placement) -> dict[str, Any]:
    t = p.take
    return {
        "cue": [p.cue.id, p.cue.in_frame, p.cue.out_frame],
        # Pan decides a mono take's channels and its place in them.
        "take": [t.id, _take_identity(project, p), t.gain_db, t.offset_samples, t.pan],
        "anchor": [t.anchor_in_frame, t.anchor_out_frame],
        "fades": [t.fade_in_samples, t.fade_out_samples],
        "lane_gain": p.lane.gain_db,
    }


def _digest(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class _Manifest:
    def __init__(self, folder: Path) -> None:
        self.path = folder / MANIFEST
        self.entries: dict[str, dict[str, Any]] = {}
        try:
            data = json.loads(self.path.read_text("utf-8"))
            if data.get("version") == _FORMAT_VERSION:
                self.entries = dict(data.get("files", {}))
        except (OSError, ValueError, AttributeError):
            self.entries = {}

    def fresh(self, folder: Path, name: str, key: str) -> RenderedFile | None:
        entry = self.entries.get(name)
        path = folder / name
        if not entry or entry.get("key") != key or not path.is_file():
            return None
        if path.stat().st_size != entry.get("size"):
            return None
        r = entry["rendered"]
        return RenderedFile(
            path,
            r["start_frame"],
            r["frames"],
            r["samples"],
            r["time_reference"],
            r["handle_before"],
            r["handle_after"],
            int(r.get("channels", 2)),  # entries from before channels followed the takes
        )

    def record(self, name: str, key: str, rendered: RenderedFile, loudness: dict[str, Any]) -> None:
        data = asdict(rendered)
        data.pop("path")
        self.entries[name] = {
            "key": key,
            "size": rendered.path.stat().st_size,
            "rendered": data,
            "loudness": loudness,
        }

    def save(self, keep: set[str]) -> None:
        folder = self.path.parent
        for stale in set(self.entries) - keep:
            (folder / stale).unlink(missing_ok=True)  # only files an earlier export wrote
            del self.entries[stale]
        text = json.dumps({"version": _FORMAT_VERSION, "files": self.entries}, indent=1)
        with atomic_output(self.path) as tmp:
            tmp.write_text(text, "utf-8")


def export_stems(
    project: Project,
    folder: Path,
    options: StemOptions | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> StemExport:
    """Render (or find up to date) every clip, lane stem and the mix in `folder`."""
    options = options or StemOptions()
    folder = Path(folder)
    if options.naming == "ucs":  # before anything, even the folder, is made
        check_ucs_ready(project, chosen_placements(project, stem_grid(project)))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"Cannot create {folder} ({exc}).", "Choose another folder.") from exc
    grid = stem_grid(project)
    source = project.source
    base = {
        "v": _FORMAT_VERSION,
        "rate": str(source.frame_rate),
        "tc": source.start_timecode_frames,
        "tc_rate": str(source.timecode_rate),
        "df": source.drop_frame,
        "subtype": options.subtype,
        "length": source.frame_count,
    }
    placements = chosen_placements(project, grid)  # audible lanes only
    lanes: list[Lane] = [
        lane
        for lane in project.sorted_lanes()
        if lane_audible(project, lane) and any(p.lane.id == lane.id for p in placements)
    ]
    names = _Names()
    plan: list[tuple[str, str, str, Any]] = []  # (kind, name, key, subject)
    lane_keys: list[str] = []
    keys_by_lane: dict[int, str] = {}
    for lane in lanes:
        own = [_placement_key(project, p) for p in placements if p.lane.id == lane.id]
        key = _digest({**base, "kind": "lane", "takes": own})
        lane_keys.append(key)
        keys_by_lane[lane.id] = key
        key = _digest([key, options.loudness.key("lane")])
        if options.lane_stems:
            plan.append(("lane", names.claim(safe_name(lane.name, f"lane{lane.id}")), key, lane))
    gain_db, mute = original_settings(project)
    original = (
        [source.fingerprint, gain_db, mute]
        if options.include_original_in_mix and source.has_audio
        else None
    )
    if options.mix:
        key = _digest({**base, "kind": "mix", "lanes": lane_keys, "original": original})
        key = _digest([key, options.loudness.key("mix")])
        plan.append(("mix", names.claim("Mix"), key, None))
    for group, parts in group_plan(
        project, lanes, keys_by_lane, options.category_stems, options.m_and_e, original
    ):
        key = _digest({**base, "kind": "group", "name": group.name, **parts})
        plan.append(("group", names.claim(safe_name(group.name)), key, group))
    source_id = options.source_id or project.name
    for p in placements:
        if options.naming == "ucs":
            stem = safe_name(clip_stem_ucs(p, options.creator_id, source_id))
        else:
            stem = f"{safe_name(p.cue.label, f'cue{p.cue.id}')}_{safe_name(p.lane.name)}"
        key = _digest(
            {**base, "kind": "clip", "take": _placement_key(project, p), "h": options.handle_frames}
        )
        plan.append(("clip", names.claim(stem), key, p))

    manifest = _Manifest(folder)
    result = StemExport(folder)
    weights = [
        s.cue.frame_count if kind == "clip" else max(1, source.frame_count)
        for kind, _, _, s in plan
    ]
    total = float(sum(weights)) or 1.0
    done = 0.0
    try:
        for (kind, name, key, subject), weight in zip(plan, weights, strict=True):
            check_cancel(cancel)

            def step(fraction: float, _w: float = weight, _d: float = done) -> None:
                if progress is not None:
                    progress(min(1.0, (_d + fraction * _w) / total))

            rendered = manifest.fresh(folder, name, key)
            written = rendered is None
            path = folder / name
            if rendered is None:
                if kind == "lane":
                    rendered = render_lane_stem(
                        project,
                        subject,
                        path,
                        subtype=options.subtype,
                        progress=step,
                        cancel=cancel,
                    )
                elif kind == "group":
                    rendered = render_group(
                        project,
                        list(subject.lanes),
                        path,
                        BwfMeta(
                            description=f"{subject.category} stem",
                            project=project.name,
                            note=f"{subject.name}: " + ", ".join(x.name for x in subject.lanes),
                            track_names=track_names(subject.name, 2),
                        ),
                        include_original=subject.include_original,
                        subtype=options.subtype,
                        progress=step,
                        cancel=cancel,
                    )
                elif kind == "mix":
                    rendered = render_mix(
                        project,
                        path,
                        include_original=options.include_original_in_mix,
                        subtype=options.subtype,
                        progress=step,
                        cancel=cancel,
                    )
                else:
                    rendered = render_cue_clip(
                        project,
                        subject.cue,
                        path,
                        subtype=options.subtype,
                        handle_frames=options.handle_frames,
                        progress=step,
                        cancel=cancel,
                    )
                loudness = finish_file(path, kind, options.loudness, cancel)
                manifest.record(name, key, rendered, loudness)
            else:
                loudness = manifest.entries[name].get("loudness") or {}
                if not loudness:  # a folder from before loudness was measured
                    loudness = finish_file(path, kind, LoudnessPlan(), cancel)
                    manifest.record(name, key, rendered, loudness)
            done += weight
            step(0.0)
            if kind == "lane":
                result.lane_stems[subject.id] = ExportedFile(
                    name, path, rendered, written, lane_id=subject.id, loudness=loudness
                )
            elif kind == "mix":
                result.mix = ExportedFile(name, path, rendered, written, loudness=loudness)
            elif kind == "group":
                result.groups[subject.name] = ExportedFile(
                    name, path, rendered, written, loudness=loudness
                )
            else:
                result.clips[subject.cue.id] = ExportedFile(
                    name, path, rendered, written, subject.cue.id, subject.lane.id, loudness
                )
    except BaseException:
        # Record what did finish (nothing is deleted), so the next export resumes there.
        manifest.save(set(manifest.entries))
        raise
    manifest.save({name for _, name, _, _ in plan})
    write_report(result.loudness_rows(), folder / REPORT_JSON)
    write_report(result.loudness_rows(), folder / REPORT_CSV)
    if progress is not None:
        progress(1.0)
    return result
