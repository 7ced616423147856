"""Takes on disk: a provider's output decoded to the exact cue length, and WAV read/write.

A take's sample 0 is time 0 of what the provider generated (AAC priming and MP4 edit lists are
applied by decoding through the container), resampled to the project rate and trimmed or padded
to the cue's length so placement is a plain sample offset.
"""

from __future__ import annotations

import os
import struct
from fractions import Fraction
from pathlib import Path
from typing import Literal

import numpy as np

from foleydesk.core.timebase import PROJECT_SAMPLE_RATE
from foleydesk.loopguard import off_loop
from foleydesk.media.atomic import atomic_output
from foleydesk.media.audio import Samples, decode_audio, open_container
from foleydesk.media.probe import MediaError

Chunks = dict[bytes, tuple[int, int]]  # chunk id -> (offset of its body, its size)

WavSubtype = Literal["float32", "pcm24", "pcm16"]  # pcm16: compact uploads only

_FORMAT_PCM = 1
_FORMAT_FLOAT = 3
_FORMAT_EXTENSIBLE = 0xFFFE
# The GUID tails of KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT (after the 2-byte format code).
_GUID_TAIL = b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
_MASKS = {1: 0x4, 2: 0x3, 4: 0x33, 6: 0x3F, 8: 0x63F}


def decode_provider_output(
    path: Path,
    length_samples: int,
    sample_rate: int = PROJECT_SAMPLE_RATE,
    channels: int | None = None,
) -> Samples:
    """float32 (length_samples, channels) of a provider's MP3/WAV/FLAC/M4A/MP4 output.

    `channels=None` keeps mono as mono and anything wider becomes stereo.
    """
    return fit_length(decode_provider_audio(path, sample_rate, channels), length_samples)


def decode_provider_audio(
    path: Path, sample_rate: int = PROJECT_SAMPLE_RATE, channels: int | None = None
) -> Samples:
    """A provider's output as it came (its own length), float32 (samples, channels)."""
    off_loop("decoding a take")
    path = Path(path)
    with open_container(path) as container:
        if not container.streams.audio:
            raise MediaError(
                f"The provider's file {path.name} has no audio in it.",
                "Retry the job; if it happens again, try another provider.",
            )
        src = container.streams.audio[0].codec_context
        native = src.layout.nb_channels or src.channels
    out_channels = channels or (1 if native == 1 else 2)
    samples = decode_audio(path, Fraction(0), None, sample_rate=sample_rate, channels=out_channels)
    if samples.shape[0] == 0:
        raise MediaError(
            f"The provider's file {path.name} holds no decodable audio.",
            "Retry the job; the download may have been cut short.",
        )
    return samples


def fit_length(samples: Samples, length: int) -> Samples:
    """Trims or pads (with silence) to exactly `length` samples."""
    n = samples.shape[0]
    if n == length:
        return samples
    if n > length:
        return np.ascontiguousarray(samples[:length])
    out = np.zeros((length, samples.shape[1]), np.float32)
    out[:n] = samples
    return out


# -- WAV -------------------------------------------------------------------------------------------


def wav_data(samples: Samples, subtype: WavSubtype = "float32") -> bytes:
    """Interleaved little-endian sample bytes for a WAV `data` chunk (24-bit is clipped)."""
    data = np.asarray(samples, np.float32)
    if data.ndim == 1:
        data = data[:, None]
    if subtype == "float32":
        return data.astype("<f4").tobytes()
    if subtype == "pcm24":
        ints = np.clip(np.round(data.astype(np.float64) * 8388608.0), -8388608, 8388607)
        as32 = ints.astype("<i4").reshape(-1)
        return as32.view(np.uint8).reshape(-1, 4)[:, :3].tobytes()
    if subtype == "pcm16":
        return np.clip(np.round(data * 32768.0), -32768, 32767).astype("<i2").tobytes()
    raise ValueError(f"unknown WAV subtype {subtype!r}")


def wav_fmt_chunk(channels: int, sample_rate: int, subtype: WavSubtype) -> bytes:
    """The `fmt ` chunk (with header); WAVE_FORMAT_EXTENSIBLE above two channels."""
    bits = {"float32": 32, "pcm24": 24, "pcm16": 16}[subtype]
    code = _FORMAT_FLOAT if subtype == "float32" else _FORMAT_PCM
    block = channels * bits // 8
    common = struct.pack("<HIIHH", channels, sample_rate, sample_rate * block, block, bits)
    if channels <= 2:
        body = struct.pack("<H", code) + common + (struct.pack("<H", 0) if code != 1 else b"")
    else:
        mask = _MASKS.get(channels, 0)
        ext = struct.pack("<HHI", 22, bits, mask) + struct.pack("<H", code) + _GUID_TAIL
        body = struct.pack("<H", _FORMAT_EXTENSIBLE) + common + ext
    return b"fmt " + struct.pack("<I", len(body)) + body


def write_wav(
    path: Path,
    samples: Samples,
    sample_rate: int = PROJECT_SAMPLE_RATE,
    subtype: WavSubtype = "float32",
) -> Path:
    """Writes a WAV atomically (a temp file beside it, then rename): never half a file."""
    off_loop("writing a WAV")
    path = Path(path)
    data = np.asarray(samples, np.float32)
    if data.ndim == 1:
        data = data[:, None]
    channels = data.shape[1]
    payload = wav_data(data, subtype)
    fmt = wav_fmt_chunk(channels, sample_rate, subtype)
    chunks = fmt
    if subtype == "float32":
        chunks += b"fact" + struct.pack("<II", 4, data.shape[0])
    chunks += b"data" + struct.pack("<I", len(payload))
    size = 4 + len(chunks) + len(payload) + (len(payload) & 1)
    if size > 0xFFFFFFFF:
        raise MediaError(
            "The audio is too long for a WAV file (over 4 GB).", "Use a shorter range."
        )
    with atomic_output(path) as tmp, open(tmp, "wb") as fh:
        fh.write(b"RIFF" + struct.pack("<I", size) + b"WAVE")
        fh.write(chunks)
        fh.write(payload)
        if len(payload) & 1:
            fh.write(b"\x00")
        fh.flush()
        os.fsync(fh.fileno())
    return path


def wav_chunks(path: Path, advice: str, kinds: tuple[bytes, ...] = (b"RIFF", b"RF64")) -> Chunks:
    """Offset and size of each top-level chunk of a WAV, read from the chunk headers alone
    (the first of each kind). MediaError with `advice` when the file is not a WAV of `kinds`."""
    path = Path(path)
    found: Chunks = {}
    try:
        with open(path, "rb") as fh:
            head = fh.read(12)
            if len(head) < 12 or head[:4] not in kinds or head[8:12] != b"WAVE":
                raise MediaError(f"{path.name} is not a WAV file.", advice)
            while True:
                header = fh.read(8)
                if len(header) < 8:
                    break
                tag, size = header[:4], struct.unpack("<I", header[4:])[0]
                found.setdefault(tag, (fh.tell(), size))
                fh.seek(size + (size & 1), os.SEEK_CUR)
    except OSError as exc:
        raise MediaError(f"{path.name} cannot be read ({exc}).", "Check the file.") from exc
    return found


def wav_channels(path: Path) -> int:
    """The channel count a WAV's `fmt ` chunk declares, reading only the chunk headers (a
    stem decides mono or stereo from its takes without loading them)."""
    advice = "Regenerate or re-import the take."
    fmt = wav_chunks(path, advice).get(b"fmt ")
    if fmt is not None and fmt[1] >= 4:
        with open(path, "rb") as fh:
            fh.seek(fmt[0] + 2)
            body = fh.read(2)
        if len(body) == 2:
            return int(struct.unpack("<H", body)[0]) or 1
    raise MediaError(f"{Path(path).name} is a damaged WAV file.", advice)


def read_wav(path: Path) -> tuple[Samples, int]:
    """float32 (n, channels) and the sample rate of a PCM (8/16/24/32-bit) or float WAV."""
    off_loop("reading a WAV")
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise MediaError(f"{path.name} cannot be read ({exc}).", "Check the file.") from exc
    if len(raw) < 12 or raw[:4] not in (b"RIFF", b"RF64") or raw[8:12] != b"WAVE":
        raise MediaError(f"{path.name} is not a WAV file.", "Regenerate or re-import the take.")
    fmt: tuple[int, int, int, int] | None = None
    data: memoryview | None = None
    pos = 12
    view = memoryview(raw)
    while pos + 8 <= len(raw):
        cid = raw[pos : pos + 4]
        (size,) = struct.unpack_from("<I", raw, pos + 4)
        body = view[pos + 8 : pos + 8 + size]
        if cid == b"fmt ":
            code, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", body)
            if code == _FORMAT_EXTENSIBLE and len(body) >= 26:
                (code,) = struct.unpack_from("<H", body, 24)
            fmt = (code, channels, rate, bits)
        elif cid == b"data":
            data = body if size != 0xFFFFFFFF else view[pos + 8 :]
            break
        pos += 8 + size + (size & 1)
    if fmt is None or data is None:
        raise MediaError(f"{path.name} is a damaged WAV file.", "Regenerate or re-import the take.")
    code, channels, rate, bits = fmt
    width = bits // 8
    usable = len(data) - len(data) % (width * channels)
    buf = bytes(data[:usable])
    if code == _FORMAT_FLOAT and bits in (32, 64):
        out = np.frombuffer(buf, "<f4" if bits == 32 else "<f8").astype(np.float32)
    elif code == _FORMAT_PCM and bits == 8:
        out = (np.frombuffer(buf, np.uint8).astype(np.float32) - 128.0) / 128.0
    elif code == _FORMAT_PCM and bits in (16, 32):
        dtype = "<i2" if bits == 16 else "<i4"
        out = (np.frombuffer(buf, dtype).astype(np.float64) / float(1 << (bits - 1))).astype(
            np.float32
        )
    elif code == _FORMAT_PCM and bits == 24:
        b = np.frombuffer(buf, np.uint8).reshape(-1, 3).astype(np.int32)
        ints = (b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)) << 8 >> 8
        out = (ints.astype(np.float64) / 8388608.0).astype(np.float32)
    else:
        raise MediaError(
            f"{path.name} uses a WAV sample format FoleyDesk does not read ({bits}-bit, {code}).",
            "Convert it to 24-bit PCM or 32-bit float WAV.",
        )
    return out.reshape(-1, channels), rate
