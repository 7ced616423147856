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
from dataclasses import dataclass
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
from foleydesk.media.takes import WavSubtype, read_wav, wav_data

Subtype = WavSubtype  # the same two sample formats as a take

_BEXT_FIXED = 602  # bytes of the bext chunk before CodingHistory (EBU Tech 3285 v2)
_WAVE_FORMAT_PCM = 1
_WAVE_FORMAT_IEEE_FLOAT = 3
_RIFF_LIMIT = 0xFFFFFFFF


def time_reference_for(timecode_frames: int, rate: Fraction, sample_rate: int = 48_000) -> int:
    """Samples since midnight for a timecode frame count: frames x sample rate / frame rate,
    rounded to the nearest sample (exact at 23.976, 24, 25, 30; 29.97 falls between samples)."""
    return time_to_sample(frame_to_time(timecode_frames, rate), sample_rate)


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


def _ixml(
    time_reference: int,
    sample_rate: int,
    timecode_rate: Fraction,
    drop_frame: bool,
    channels: int,
    bits: int,
    project: str,
) -> bytes:
    root = ElementTree.Element("BWFXML")
    ElementTree.SubElement(root, "IXML_VERSION").text = "2.10"
    ElementTree.SubElement(root, "PROJECT").text = project
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
        ElementTree.SubElement(track, "NAME").text = name
    body: bytes = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
    return body


def _bext(description: str, time_reference: int, originator_reference: str) -> bytes:
    now = time.localtime()
    fixed = struct.pack(
        "<256s32s32s10s8sIIH64s5H180s",
        description.encode("ascii", "replace")[:256],
        b"FoleyDesk",
        originator_reference.encode("ascii", "replace")[:32],
        time.strftime("%Y-%m-%d", now).encode(),
        time.strftime("%H:%M:%S", now).encode(),
        time_reference & 0xFFFFFFFF,
        time_reference >> 32,
        2,
        b"",
        0x7FFF,  # loudness fields: 0x7FFF means "not measured" (EBU Tech 3285)
        0x7FFF,
        0x7FFF,
        0x7FFF,
        0x7FFF,
        b"",
    )
    assert len(fixed) == _BEXT_FIXED
    return fixed + b"A=PCM,F=48000,T=FoleyDesk\r\n\x00"


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
        header += _chunk(b"bext", _bext(description, time_reference, self.path.stem))
        header += _chunk(
            b"iXML",
            _ixml(
                time_reference,
                sample_rate,
                timecode_rate,
                drop_frame,
                channels,
                bits,
                self.path.stem,
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
    ) as writer:
        writer.write(block)
    return Path(path)


def _chunks(path: Path) -> dict[bytes, tuple[int, int]]:
    """Offsets and sizes of the top-level RIFF chunks."""
    found: dict[bytes, tuple[int, int]] = {}
    with open(path, "rb") as fh:
        head = fh.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            raise MediaError(f"{Path(path).name} is not a WAV file.", "Export the stems again.")
        while True:
            header = fh.read(8)
            if len(header) < 8:
                break
            tag, size = header[:4], struct.unpack("<I", header[4:])[0]
            found.setdefault(tag, (fh.tell(), size))
            fh.seek(size + (size % 2), os.SEEK_CUR)
    return found


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
        description = ""
        if b"bext" in chunks:
            bext = body(b"bext")
            description = bext[:256].split(b"\x00", 1)[0].decode("ascii", "replace")
            low, high = struct.unpack("<II", bext[338:346])
            time_reference = (high << 32) | low
        tc_rate: Fraction | None = None
        tc_flag: str | None = None
        if b"iXML" in chunks:
            root = ElementTree.fromstring(body(b"iXML").rstrip(b"\x00"))
            rate_text = root.findtext("SPEED/TIMECODE_RATE")
            tc_rate = Fraction(rate_text) if rate_text else None
            tc_flag = root.findtext("SPEED/TIMECODE_FLAG")
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
    )


def read_bwf_time_reference(path: Path) -> int:
    """The bext TimeReference (samples since midnight) of a BWF file; 0 when it has no bext."""
    return read_bwf_info(path).time_reference


def read_bwf_samples(path: Path) -> npt.NDArray[np.float32]:
    """The data chunk as float32 (n, channels): for checks and for re-use of a rendered stem.
    A BWF is a WAV, so the take reader decodes it."""
    return read_wav(path)[0]
