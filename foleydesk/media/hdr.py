"""HDR pictures (PQ / HLG, BT.2020) as ordinary SDR RGB for thumbnails, the viewer and segments.

swscale converts the numbers, not the light: a PQ frame shown as is looks grey and flat, and
its BT.2020 colours come out dull. Here the signal is decoded to 16-bit RGB with the BT.2020
matrix, turned into display light (PQ: absolute nits; HLG: scene light through the BT.2100
OOTF at a 1000-nit peak), scaled so HDR reference white (203 nits, BT.2408) is SDR white,
soft-clipped above a knee, converted to BT.709 primaries and encoded with the BT.709/sRGB-like
2.4 gamma. Good enough to see the picture and for a model to read its motion; not a grade.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

PQ_TRC = 16  # AVCOL_TRC_SMPTE2084
HLG_TRC = 18  # AVCOL_TRC_ARIB_STD_B67
REFERENCE_WHITE_NITS = 203.0
_KNEE = 0.75
# Linear BT.2020 RGB -> linear BT.709 RGB (ITU-R BT.2087).
_BT2020_TO_BT709 = np.array(
    [
        [1.6605, -0.5876, -0.0728],
        [-0.1246, 1.1329, -0.0083],
        [-0.0182, -0.1006, 1.1187],
    ],
    np.float32,
)


def hdr_transfer(frame: Any) -> int:
    """PQ_TRC or HLG_TRC when the frame carries an HDR transfer, else 0."""
    try:
        trc = int(frame.color_trc or 0)
    except (AttributeError, TypeError, ValueError):
        return 0
    return trc if trc in (PQ_TRC, HLG_TRC) else 0


def _pq_to_nits(signal: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    m1, m2 = 2610 / 16384, 2523 / 4096 * 128
    c1, c2, c3 = 3424 / 4096, 2413 / 4096 * 32, 2392 / 4096 * 32
    power = np.power(np.clip(signal, 0, 1), 1 / m2)
    linear = np.power(np.maximum(power - c1, 0) / (c2 - c3 * power), 1 / m1)
    return (linear * 10000).astype(np.float32)


def _hlg_to_nits(signal: npt.NDArray[np.float32], peak: float = 1000.0) -> npt.NDArray[np.float32]:
    a, b, c = 0.17883277, 0.28466892, 0.55991073
    e = np.clip(signal, 0, 1)
    scene = np.where(e <= 0.5, e * e / 3, (np.exp((e - c) / a) + b) / 12)
    luma = 0.2627 * scene[..., 0] + 0.6780 * scene[..., 1] + 0.0593 * scene[..., 2]
    ootf = np.power(np.maximum(luma, 1e-6), 0.2)[..., None]  # system gamma 1.2 at 1000 nits
    return (peak * ootf * scene).astype(np.float32)


def _soft_clip(light: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Identity below the knee, then an exponential shoulder that approaches 1."""
    over = np.maximum(light - _KNEE, 0)
    shoulder = _KNEE + (1 - _KNEE) * (1 - np.exp(-over / (1 - _KNEE)))
    return np.where(light <= _KNEE, light, shoulder).astype(np.float32)


def tone_map(frame: Any, width: int, height: int, scaler: Any) -> npt.NDArray[np.uint8]:
    """An HDR frame as SDR rgb24 (height, width, 3) at the given size."""
    rgb = scaler.reformat(
        frame, width, height, "rgb48le", src_colorspace="bt2020", interpolation="AREA"
    ).to_ndarray()
    signal = rgb.astype(np.float32) / 65535.0
    nits = _pq_to_nits(signal) if hdr_transfer(frame) == PQ_TRC else _hlg_to_nits(signal)
    light = nits / REFERENCE_WHITE_NITS
    light = np.clip(light @ _BT2020_TO_BT709.T, 0, None)
    encoded = np.power(_soft_clip(light), 1 / 2.4)
    return np.clip(encoded * 255 + 0.5, 0, 255).astype(np.uint8)
