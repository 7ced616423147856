"""Is this file the project's source media in another wrapper (a rewrap, a re-export of the same
frames: other container or size), and what differs? Relink asks the editor with this answer."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from foleydesk.core.model import SourceMedia
from foleydesk.errors import UserError
from foleydesk.media.probe import probe, source_media_from_info


@dataclass(frozen=True)
class RewrapCheck:
    candidate: SourceMedia
    differences: list[str]  # in the editor's words; empty: same timing and same wrapper


def _size(path: Path) -> str:
    try:
        size = path.stat().st_size
    except OSError:
        return "?"
    return f"{size / 1e6:.1f} MB" if size < 1e9 else f"{size / 1e9:.2f} GB"


def check_rewrap(old: SourceMedia, new_path: Path) -> RewrapCheck:
    """The candidate's probe and what differs from the project's source. Raises UserError when
    the timing differs (frame count, rate or start timecode): then every cue would land on other
    pictures, and it is not the same media."""
    new = source_media_from_info(probe(new_path))
    timing: list[str] = []
    if new.frame_rate != old.frame_rate:
        timing.append(f"frame rate {float(new.frame_rate):g} fps, not {float(old.frame_rate):g}")
    if new.frame_count != old.frame_count:
        timing.append(f"{new.frame_count} frames, not {old.frame_count}")
    if new.start_timecode_frames != old.start_timecode_frames:
        timing.append(f"starts at {new.timecode_at(0)}, not {old.timecode_at(0)}")
    if timing:
        raise UserError(
            f"{new_path.name} is not the same media as the project's source: "
            + "; ".join(timing)
            + ".",
            "Relink to the file the cues were made on (or a copy of it).",
        )
    differences: list[str] = []
    old_name = Path(old.path).name
    old_suffix, new_suffix = Path(old.path).suffix.lower(), new_path.suffix.lower()
    if old_suffix != new_suffix or new.container != old.container:
        differences.append(f"container {new_suffix or new.container} (was {old_suffix})")
    if new.fingerprint != old.fingerprint:
        differences.append(f"file size {_size(new_path)} (a different file from {old_name})")
    if (new.width, new.height) != (old.width, old.height):
        differences.append(f"picture {new.width}x{new.height} (was {old.width}x{old.height})")
    if new.audio_channels != old.audio_channels or new.has_audio != old.has_audio:
        differences.append(f"{new.audio_channels} audio channels (was {old.audio_channels})")
    return RewrapCheck(new, differences)
