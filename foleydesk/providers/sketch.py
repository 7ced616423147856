"""A rough, synced sound sketch from onsets and a prompt: the offline provider's synthesiser.

Not a model: shaped transients (partials + a noise burst, coloured by the prompt's material words)
whose attack lands on the onset's exact sample, over an optional bed (rain, wind, room tone,
crowd, traffic); a still picture with none of its words gets a quiet bed shaped by the prompt, so
a sketch is never silence. Deterministic for a seed. numpy only, FFT filtering, no per-sample loops.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from foleydesk.core.timebase import PROJECT_SAMPLE_RATE

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Material:
    """A transient's colour: resonant partials (Hz), their decay, noise share and band."""

    name: str
    partials: tuple[float, ...]
    decay: float  # seconds to -60 dB-ish
    noise: float  # 0..1
    band: tuple[float, float]  # noise band (Hz)


MATERIALS: dict[str, Material] = {
    "metal": Material("metal", (523.0, 1410.0, 2630.0, 3900.0), 0.6, 0.12, (2000, 9000)),
    "wood": Material("wood", (180.0, 420.0, 910.0), 0.12, 0.3, (300, 3000)),
    "glass": Material("glass", (2200.0, 3530.0, 5120.0, 7010.0), 0.35, 0.2, (3000, 12000)),
    "footsteps": Material("footsteps", (95.0, 260.0), 0.07, 0.65, (150, 2500)),
    "door": Material("door", (70.0, 160.0, 310.0), 0.25, 0.4, (80, 1500)),
    "whoosh": Material("whoosh", (), 0.3, 1.0, (400, 4000)),
    "water": Material("water", (700.0, 1300.0), 0.18, 0.8, (500, 6000)),
    "impact": Material("impact", (58.0, 118.0), 0.16, 0.5, (60, 1200)),
    "tap": Material("tap", (150.0, 600.0), 0.1, 0.4, (200, 4000)),
}

MATERIAL_WORDS: dict[str, str] = {
    **dict.fromkeys(("metal", "metallic", "clang", "steel", "iron", "sword", "chain"), "metal"),
    **dict.fromkeys(("wood", "wooden", "knock", "table", "chair", "plank", "stick"), "wood"),
    **dict.fromkeys(("glass", "bottle", "ice", "shatter", "clink", "cup"), "glass"),
    **dict.fromkeys(
        (
            "footstep",
            "footsteps",
            "step",
            "steps",
            "walk",
            "walking",
            "shoe",
            "heel",
            "running",
            "run",
        ),
        "footsteps",
    ),
    **dict.fromkeys(("door", "slam", "gate", "drawer"), "door"),
    **dict.fromkeys(("whoosh", "swish", "swoosh", "swing", "woosh", "pass", "fly"), "whoosh"),
    **dict.fromkeys(("water", "splash", "drip", "drop", "puddle", "wave"), "water"),
    **dict.fromkeys(("punch", "hit", "thud", "impact", "bounce", "ball", "fall", "kick"), "impact"),
}

BED_WORDS: dict[str, str] = {
    **dict.fromkeys(("rain", "raining", "drizzle", "storm"), "rain"),
    **dict.fromkeys(("wind", "windy", "breeze", "gust"), "wind"),
    **dict.fromkeys(("room", "tone", "roomtone", "ambience", "ambient", "interior", "hum"), "room"),
    **dict.fromkeys(
        ("crowd", "people", "chatter", "cafe", "restaurant", "applause", "bar"), "crowd"
    ),
    **dict.fromkeys(("traffic", "street", "city", "cars", "road", "highway"), "traffic"),
}

_WORD_RE = re.compile(r"[a-z]+")


def words(prompt: str) -> list[str]:
    return _WORD_RE.findall(prompt.lower())


def material_for(prompt: str) -> Material:
    for word in words(prompt):
        if word in MATERIAL_WORDS:
            return MATERIALS[MATERIAL_WORDS[word]]
    return MATERIALS["tap"]


def beds_for(prompt: str) -> list[str]:
    found: list[str] = []
    for word in words(prompt):
        bed = BED_WORDS.get(word)
        if bed and bed not in found:
            found.append(bed)
    return found


def rng_for(seed: int | None, prompt: str) -> np.random.Generator:
    """Same seed and prompt, same sketch."""
    digest = hashlib.sha256(f"{seed}|{prompt}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def band_noise(rng: np.random.Generator, n: int, low: float, high: float, sr: int) -> Array:
    """White noise limited to [low, high] Hz with soft edges (FFT domain), unit RMS."""
    if n <= 0:
        return np.zeros(0)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1.0 / sr)
    shape = 1.0 / (1.0 + (low / np.maximum(freqs, 1.0)) ** 4) / (1.0 + (freqs / high) ** 4)
    out = np.fft.irfft(spectrum * shape, n)
    rms = float(np.sqrt(np.mean(out**2))) or 1.0
    return np.asarray(out / rms)


def slow_envelope(rng: np.random.Generator, n: int, points_per_second: float, sr: int) -> Array:
    """A smooth random level in 0..1 (for gusts, crowd swells)."""
    count = max(2, int(n / sr * points_per_second) + 2)
    controls = rng.uniform(0.2, 1.0, count)
    return np.interp(np.linspace(0, count - 1, n), np.arange(count), controls)


def transient(material: Material, rng: np.random.Generator, sr: int) -> Array:
    """One hit whose largest sample is its first (so the attack sits on the onset sample)."""
    n = max(16, int(material.decay * sr * 1.5))
    t = np.arange(n) / sr
    env = np.exp(-t * (6.9 / material.decay))
    tone = np.zeros(n)
    for k, freq in enumerate(material.partials):
        detune = 1.0 + rng.uniform(-0.02, 0.02)
        tone += np.cos(2 * np.pi * freq * detune * t) / (k + 1)
    if material.partials:
        tone /= np.max(np.abs(tone)) or 1.0
    noise = band_noise(rng, n, *material.band, sr)
    noise /= np.max(np.abs(noise)) or 1.0
    if material.name == "whoosh":  # a swell that peaks on the onset and trails off
        env = np.exp(-t * (6.9 / material.decay)) * (1.0 - np.exp(-t * 400.0))
    body = ((1.0 - material.noise) * tone + material.noise * noise) * env
    click_len = max(4, sr // 2000)  # a 0.5 ms click pins the onset to the sample
    body[:click_len] += np.linspace(0.3, 0.0, click_len)
    body[0] = 1.05 * float(np.max(np.abs(body[1:])))
    return np.asarray(body / body[0])


def bed(kind: str, rng: np.random.Generator, n: int, sr: int) -> Array:
    if kind == "rain":
        hiss = band_noise(rng, n, 1500, 12000, sr) * 0.35
        drops = np.zeros(n)
        count = int(n / sr * 40)
        positions = rng.integers(0, max(1, n - 200), count)
        drops[positions] = rng.uniform(0.3, 1.0, count)
        kernel = np.exp(-np.arange(200) / 25.0) * np.cos(np.arange(200) * 0.9)
        drops = np.convolve(drops, kernel)[:n]
        return hiss + drops * 0.5
    if kind == "wind":
        return band_noise(rng, n, 80, 900, sr) * slow_envelope(rng, n, 0.7, sr)
    if kind == "crowd":
        murmur = band_noise(rng, n, 250, 3000, sr) * slow_envelope(rng, n, 3.0, sr)
        return murmur * 0.8
    if kind == "traffic":
        return band_noise(rng, n, 30, 400, sr) * (0.6 + 0.4 * slow_envelope(rng, n, 0.3, sr))
    return band_noise(rng, n, 40, 600, sr) * 0.3  # room tone


BED_LEVEL = 0.06  # about -24 dBFS RMS: under the hits, audible on its own
QUIET_BED_LEVEL = 0.02  # about -34 dBFS RMS: what a still picture with no known word gets


def word_bed(prompt: str, rng: np.random.Generator, n: int, sr: int) -> Array:
    """A quiet bed shaped by the prompt's words, for a still picture with no word the sketch
    knows: each word adds a band whose centre comes from its letters (open vowels low, hissing
    consonants high), so "White coupe" and "old clock" sound different and neither is silence."""
    bands: list[tuple[float, float]] = []
    for word in words(prompt) or ["room"]:
        hiss = sum(word.count(c) for c in "sxzcfth") / len(word)
        dark = sum(word.count(c) for c in "ouamb") / len(word)
        centre = 220.0 * 2.0 ** (4.0 * hiss - 2.0 * dark + 1.0)
        bands.append((max(40.0, centre / 2.0), min(sr / 2.5, centre * 2.0)))
    out = np.zeros(n)
    for low, high in bands:
        out += band_noise(rng, n, low, high, sr) * slow_envelope(rng, n, 0.5, sr)
    rms = float(np.sqrt(np.mean(out**2))) if n else 0.0
    return np.asarray(out / (rms or 1.0))


def synthesize(
    onsets: list[tuple[Fraction, float]],
    duration: Fraction,
    prompt: str,
    seed: int | None,
    sample_rate: int = PROJECT_SAMPLE_RATE,
) -> npt.NDArray[np.float32]:
    """Stereo float32, exactly `duration` long; each onset's attack at round(t * sample_rate)."""
    n = round(duration * sample_rate)
    rng = rng_for(seed, prompt)
    out = np.zeros((n, 2))
    material = material_for(prompt)
    for time, strength in onsets:
        start = round(time * sample_rate)
        if not 0 <= start < n:
            continue
        hit = transient(material, rng, sample_rate) * (0.45 + 0.5 * strength)
        end = min(n, start + hit.size)
        pan = rng.uniform(-0.3, 0.3)
        out[start:end, 0] += hit[: end - start] * (1.0 - pan)
        out[start:end, 1] += hit[: end - start] * (1.0 + pan)
    for kind in beds_for(prompt):
        left = bed(kind, rng, n, sample_rate)
        right = 0.7 * left + 0.3 * bed(kind, rng, n, sample_rate)
        out[:, 0] += BED_LEVEL * left
        out[:, 1] += BED_LEVEL * right
    if n and not out.any():  # nothing moved and no bed word: never hand back silence
        left = word_bed(prompt, rng, n, sample_rate)
        right = 0.7 * left + 0.3 * word_bed(prompt, rng, n, sample_rate)
        out[:, 0] += QUIET_BED_LEVEL * left
        out[:, 1] += QUIET_BED_LEVEL * right
    if n:
        fade = min(n, sample_rate // 200)  # 5 ms edges: no clicks where the take starts and ends
        ramp = np.linspace(0.0, 1.0, fade)[:, None]
        if not onsets or round(onsets[0][0] * sample_rate) >= fade:
            out[:fade] *= ramp
        out[n - fade :] *= ramp[::-1]
    peak = float(np.max(np.abs(out))) if n else 0.0
    if peak > 0.708:  # -3 dBFS
        out *= 0.708 / peak
    return out.astype(np.float32)


def music_sketch(
    duration: Fraction, prompt: str, seed: int | None, sample_rate: int = PROJECT_SAMPLE_RATE
) -> npt.NDArray[np.float32]:
    """A slow chord pad, so a music cue has something in time to audition offline."""
    n = round(duration * sample_rate)
    rng = rng_for(seed, prompt)
    t = np.arange(n) / sample_rate
    root = float(rng.choice([110.0, 130.81, 146.83, 164.81]))
    out = np.zeros(n)
    bar = 2.0
    for k, ratio in enumerate((1.0, 1.25, 1.5, 2.0)):
        swell = 0.5 + 0.5 * np.sin(2 * np.pi * t / (bar * 2) + k)
        out += np.sin(2 * np.pi * root * ratio * t) * swell / (k + 1)
    out *= 0.3 / (np.max(np.abs(out)) or 1.0)
    if n:
        fade = min(n, sample_rate // 20)
        out[:fade] *= np.linspace(0, 1, fade)
        out[n - fade :] *= np.linspace(1, 0, fade)
    return np.stack([out, out], axis=1).astype(np.float32)
