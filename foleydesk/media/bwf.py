"""Broadcast WAV: a RIFF/WAVE file with a `bext` TimeReference and iXML timecode, so an NLE
drops the file at its timecode.

TimeReference counts real-time samples since midnight (the start timecode's frame count x sample
rate / frame rate). Written in blocks so a two-hour stem never sits in memory, into a temp file
that only takes the final name once it is complete.
"""

from __future__ import annotations

import os
import struct
import time
import uuid
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import BinaryIO
from xml.etree import ElementTree

import numpy as np
import numpy.typing as npt

from foleydesk.core.timebase import frame_to_time, time_to_sample
from foleydesk.core.timecode import TimecodeFormat
from foleydesk.media.probe import MediaError
from foleydesk.media.takes import Chunks, WavSubtype, read_wav, wav_chunks, wav_data

Subtype = WavSubtype  # the same two sample formats as a take

_BEXT_FIXED = 602  # bytes of the bext chunk before CodingHistory (EBU Tech 3285 v2)
_WAVE_FORMAT_PCM = 1
_WAVE_FORMAT_IEEE_FLOAT = 3
_RIFF_LIMIT = 0xFFFFFFFF


def time_reference_for(timecode_frames: int, rate: Fraction, sample_rate: int = 48_000) -> int:
    """Samples since midnight for a timecode frame count: frames x sample rate / frame rate,
    rounded to the nearest sample (exact at 23.976, 24, 25, 30; 29.97 falls between samples)."""
    return time_to_sample(frame_to_time(timecode_frames, rate), sample_rate)


_UMID_LABEL = bytes.fromhex("060A2B340101010501010220")  # SMPTE 330M: audio, UUID method
LOUDNESS_UNSET = 0x7FFF  # EBU Tech 3285: a loudness field that was not measured


@dataclass(frozen=True)
class BwfMeta:
    """What a stem says about itself beyond timing: bext Description (label and prompt, the
    first 64 characters a summary), iXML PROJECT, NOTE (prompt, model@host, seed) and names."""

    description: str = ""
    project: str = ""
    note: str = ""
    track_names: tuple[str, ...] = ()
    coding_history: str = ""


def basic_umid() -> bytes:
    """A basic SMPTE 330M UMID (32 bytes; the extended half zero, as bext allows): the universal
    label, length 0x13, instance 0 (an original), a random UUID as the material number."""
    return _UMID_LABEL + bytes([0x13, 0, 0, 0]) + uuid.uuid4().bytes


def originator_reference() -> str:
    """Unique per file (32 characters): `FD` and a random UUID's hex."""
    return "FD" + uuid.uuid4().hex[:30].upper()


def loudness_field(value: float | None) -> int:
    """A bext v2 loudness field: the value x 100 as a signed 16-bit number, or the unset mark."""
    if value is None:
        return LOUDNESS_UNSET
    return max(-32768, min(32766, round(value * 100)))


@dataclass(frozen=True)
class BwfInfo:
    """What a BWF file says about itself (read back by tests and by re-export checks)."""

    sample_rate: int
    channels: int
    bits_per_sample: int
    float_samples: bool
    frames: int  # sample frames in the data chunk
    time_reference: int
    description: str
    timecode_rate: Fraction | None
    timecode_flag: str | None
    originator: str = ""
    originator_reference: str = ""
    umid: bytes = b""
    version: int = 0
    loudness: tuple[float | None, ...] = ()  # integrated, range, true peak, max M, max S
    coding_history: str = ""
    ixml: dict[str, str] = field(default_factory=dict)  # a few iXML fields by path


def _ixml(
    time_reference: int,
    sample_rate: int,
    timecode_rate: Fraction,
    drop_frame: bool,
    channels: int,
    bits: int,
    meta: BwfMeta,
    file_id: str,
) -> bytes:
    root = ElementTree.Element("BWFXML")
    ElementTree.SubElement(root, "IXML_VERSION").text = "2.10"
    ElementTree.SubElement(root, "PROJECT").text = meta.project
    ElementTree.SubElement(root, "FILE_UID").text = file_id
    ElementTree.SubElement(root, "NOTE").text = meta.note
    speed = ElementTree.SubElement(root, "SPEED")
    rate_text = f"{timecode_rate.numerator}/{timecode_rate.denominator}"
    for tag, text in (
        ("MASTER_SPEED", rate_text),
        ("CURRENT_SPEED", rate_text),
        ("TIMECODE_RATE", rate_text),
        ("TIMECODE_FLAG", "DF" if drop_frame else "NDF"),
        ("FILE_SAMPLE_RATE", str(sample_rate)),
        ("AUDIO_BIT_DEPTH", str(bits)),
        ("DIGITIZER_SAMPLE_RATE", str(sample_rate)),
        ("TIMESTAMP_SAMPLE_RATE", str(sample_rate)),
        ("TIMESTAMP_SAMPLES_SINCE_MIDNIGHT_HI", str(time_reference >> 32)),
        ("TIMESTAMP_SAMPLES_SINCE_MIDNIGHT_LO", str(time_reference & 0xFFFFFFFF)),
    ):
        ElementTree.SubElement(speed, tag).text = text
    tracks = ElementTree.SubElement(root, "TRACK_LIST")
    ElementTree.SubElement(tracks, "TRACK_COUNT").text = str(channels)
    for index in range(channels):
        track = ElementTree.SubElement(tracks, "TRACK")
        ElementTree.SubElement(track, "CHANNEL_INDEX").text = str(index + 1)
        ElementTree.SubElement(track, "INTERLEAVE_INDEX").text = str(index + 1)
        name = ("L", "R")[index] if channels == 2 else f"Ch{index + 1}"
        if index < len(meta.track_names):
            name = meta.track_names[index]
        ElementTree.SubElement(track, "NAME").text = name
    body: bytes = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
    return body


def _bext(
    description: str, time_reference: int, reference: str, umid: bytes, history: str
) -> bytes:
    now = time.localtime()
    fixed = struct.pack(
        "<256s32s32s10s8sIIH64s5h180s",
        description.encode("ascii", "replace")[:256],
        b"FoleyDesk",
        reference.encode("ascii", "replace")[:32],
        time.strftime("%Y-%m-%d", now).encode(),
        time.strftime("%H:%M:%S", now).encode(),
        time_reference & 0xFFFFFFFF,
        time_reference >> 32,
        2,
        umid,
        *(LOUDNESS_UNSET,) * 5,  # filled in once measured (write_bext_loudness)
        b"",
    )
    assert len(fixed) == _BEXT_FIXED
    return fixed + history.encode("ascii", "replace") + b"\x00"


def _chunk(tag: bytes, body: bytes) -> bytes:
    pad = b"\x00" if len(body) % 2 else b""
    return tag + struct.pack("<I", len(body)) + body + pad


class BwfWriter:
    """Streams sample blocks into `path` (via a temp file beside it); `close()` commits,
    `abort()` (or an exception inside `with`) leaves nothing under the final name."""

    def __init__(
        self,
        path: Path,
        channels: int,
        sample_rate: int,
        time_reference: int,
        timecode_rate: Fraction,
        drop_frame: bool,
        subtype: Subtype = "pcm24",
        description: str = "",
        meta: BwfMeta | None = None,
    ) -> None:
        if drop_frame:
            TimecodeFormat(timecode_rate, True)  # raises for a rate without drop-frame
        if time_reference < 0:
            raise MediaError("A BWF time reference cannot be negative.")
        self.path = Path(path)
        self.channels = channels
        self.subtype: Subtype = subtype
        self.frames = 0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = self.path.with_name(f".{self.path.name}.{uuid.uuid4().hex[:8]}.part")
        self._fh: BinaryIO | None = open(self._tmp, "wb")  # noqa: SIM115 - closed in close/abort
        bits = 24 if subtype == "pcm24" else 32
        self._bytes_per_frame = channels * bits // 8
        fmt_tag = _WAVE_FORMAT_PCM if subtype == "pcm24" else _WAVE_FORMAT_IEEE_FLOAT
        fmt = struct.pack(
            "<HHIIHH",
            fmt_tag,
            channels,
            sample_rate,
            sample_rate * self._bytes_per_frame,
            self._bytes_per_frame,
            bits,
        )
        if subtype == "float32":
            fmt += struct.pack("<H", 0)  # cbSize: non-PCM formats carry it
        header = b"WAVE" + _chunk(b"fmt ", fmt)
        if subtype == "float32":
            self._fact_offset = 8 + len(header) + 8
            header += _chunk(b"fact", struct.pack("<I", 0))
        else:
            self._fact_offset = 0
        meta = meta or BwfMeta(description=description, project=self.path.stem)
        self.reference = originator_reference()
        kind = "PCM" if subtype == "pcm24" else "FLOAT"
        mode = "stereo" if channels == 2 else "mono"
        history = meta.coding_history or (
            f"A={kind},F={sample_rate},W={bits},M={mode},T=FoleyDesk\r\n"
        )
        bext = _bext(
            meta.description or description, time_reference, self.reference, basic_umid(), history
        )
        header += _chunk(b"bext", bext)
        header += _chunk(
            b"iXML",
            _ixml(
                time_reference,
                sample_rate,
                timecode_rate,
                drop_frame,
                channels,
                bits,
                meta,
                self.reference,
            ),
        )
        self._fh.write(b"RIFF" + struct.pack("<I", 0) + header + b"data" + struct.pack("<I", 0))
        self._data_start = self._fh.tell()

    def write(self, samples: npt.NDArray[np.floating]) -> None:
        """Append a (n, channels) block of float samples in [-1, 1] (louder values clip)."""
        if self._fh is None:
            raise ValueError("the writer is closed")
        block = np.asarray(samples, dtype=np.float32)
        if block.ndim == 1:
            block = block[:, None]
        if block.shape[1] != self.channels:
            raise ValueError(f"expected {self.channels} channels, got {block.shape[1]}")
        data = wav_data(block, self.subtype)
        if self._fh.tell() + len(data) > _RIFF_LIMIT:
            self.abort()
            raise MediaError(
                f"{self.path.name} would be over 4 GB, the limit of a WAV file.",
                "Export 24-bit instead of 32-bit float, or shorter stems.",
            )
        self._fh.write(data)
        self.frames += block.shape[0]

    def close(self) -> Path:
        """Finish the header sizes and move the file to its final name."""
        if self._fh is None:
            return self.path
        fh = self._fh
        data_bytes = self.frames * self._bytes_per_frame
        if data_bytes % 2:
            fh.write(b"\x00")
        end = fh.tell()
        fh.seek(4)
        fh.write(struct.pack("<I", end - 8))
        fh.seek(self._data_start - 4)
        fh.write(struct.pack("<I", data_bytes))
        if self._fact_offset:
            fh.seek(self._fact_offset)
            fh.write(struct.pack("<I", self.frames))
        fh.flush()
        os.fsync(fh.fileno())
        fh.close()
        self._fh = None
        os.replace(self._tmp, self.path)
        return self.path

    def abort(self) -> None:
        """Drop the temp file; the final name is untouched."""
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> BwfWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def write_bwf(
    path: Path,
    samples: npt.NDArray[np.floating],
    sample_rate: int,
    time_reference: int,
    timecode_rate: Fraction,
    drop_frame: bool,
    subtype: Subtype = "pcm24",
    description: str = "",
    meta: BwfMeta | None = None,
) -> Path:
    """Write a whole (n, channels) float array as one BWF file (atomically)."""
    block = np.asarray(samples, dtype=np.float32)
    if block.ndim == 1:
        block = block[:, None]
    with BwfWriter(
        path,
        block.shape[1],
        sample_rate,
        time_reference,
        timecode_rate,
        drop_frame,
        subtype,
        description,
        meta,
    ) as writer:
        writer.write(block)
    return Path(path)


def _chunks(path: Path) -> Chunks:
    """Offsets and sizes of the top-level RIFF chunks."""
    return wav_chunks(path, "Export the stems again.", kinds=(b"RIFF",))


def read_bwf_info(path: Path) -> BwfInfo:
    """Parse fmt, bext and iXML of a BWF file."""
    chunks = _chunks(path)
    if b"fmt " not in chunks or b"data" not in chunks:
        raise MediaError(f"{Path(path).name} is an incomplete WAV file.", "Export it again.")
    with open(path, "rb") as fh:

        def body(tag: bytes) -> bytes:
            offset, size = chunks[tag]
            fh.seek(offset)
            return fh.read(size)

        fmt_tag, channels, rate, _, block_align, bits = struct.unpack("<HHIIHH", body(b"fmt ")[:16])
        frames = chunks[b"data"][1] // block_align if block_align else 0
        time_reference = 0
        description = originator = reference = history = ""
        umid = b""
        version = 0
        loudness: tuple[float | None, ...] = ()
        if b"bext" in chunks:
            bext = body(b"bext")

            def text(lo: int, hi: int) -> str:
                return bext[lo:hi].split(b"\x00", 1)[0].decode("ascii", "replace")

            description, originator, reference = text(0, 256), text(256, 288), text(288, 320)
            low, high, version = struct.unpack("<IIH", bext[338:348])
            time_reference = (high << 32) | low
            umid = bext[348:412]
            if version >= 2 and len(bext) >= 422:
                raw = struct.unpack("<5h", bext[412:422])
                loudness = tuple(None if v == LOUDNESS_UNSET else v / 100 for v in raw)
            history = bext[_BEXT_FIXED:].split(b"\x00", 1)[0].decode("ascii", "replace")
        tc_rate: Fraction | None = None
        tc_flag: str | None = None
        ixml: dict[str, str] = {}
        if b"iXML" in chunks:
            root = ElementTree.fromstring(body(b"iXML").rstrip(b"\x00"))
            rate_text = root.findtext("SPEED/TIMECODE_RATE")
            tc_rate = Fraction(rate_text) if rate_text else None
            tc_flag = root.findtext("SPEED/TIMECODE_FLAG")
            for key in ("PROJECT", "NOTE", "FILE_UID", "SPEED/MASTER_SPEED"):
                ixml[key] = root.findtext(key) or ""
            names = [t.findtext("NAME") or "" for t in root.findall("TRACK_LIST/TRACK")]
            ixml["TRACK_NAMES"] = "|".join(names)
    return BwfInfo(
        sample_rate=rate,
        channels=channels,
        bits_per_sample=bits,
        float_samples=fmt_tag == _WAVE_FORMAT_IEEE_FLOAT,
        frames=frames,
        time_reference=time_reference,
        description=description,
        timecode_rate=tc_rate,
        timecode_flag=tc_flag,
        originator=originator,
        originator_reference=reference,
        umid=umid,
        version=version,
        loudness=loudness,
        coding_history=history,
        ixml=ixml,
    )


def data_chunk(path: Path) -> tuple[int, int]:
    """Offset and size in bytes of the sample data."""
    chunks = _chunks(path)
    if b"data" not in chunks:
        raise MediaError(f"{Path(path).name} is an incomplete WAV file.", "Export it again.")
    return chunks[b"data"]


def write_bext_loudness(
    path: Path,
    integrated: float | None,
    loudness_range: float | None,
    true_peak: float | None,
    max_momentary: float | None,
    max_short_term: float | None,
) -> None:
    """Fill the bext version 2 loudness fields in place (the file's size does not change)."""
    chunks = _chunks(path)
    if b"bext" not in chunks or chunks[b"bext"][1] < _BEXT_FIXED:
        raise MediaError(f"{Path(path).name} has no version 2 bext chunk.", "Export it again.")
    values = (integrated, loudness_range, true_peak, max_momentary, max_short_term)
    with open(path, "r+b") as fh:
        fh.seek(chunks[b"bext"][0] + 412)
        fh.write(struct.pack("<5h", *(loudness_field(v) for v in values)))


def read_bwf_time_reference(path: Path) -> int:
    """The bext TimeReference (samples since midnight) of a BWF file; 0 when it has no bext."""
    return read_bwf_info(path).time_reference


def read_bwf_samples(path: Path) -> npt.NDArray[np.float32]:
    """The data chunk as float32 (n, channels): for checks and for re-use of a rendered stem.
    A BWF is a WAV, so the take reader decodes it."""
    return read_wav(path)[0]
