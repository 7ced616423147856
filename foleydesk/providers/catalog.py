"""Models and offerings: what makes the sound, and a model as one host serves it.

A **Model** is the host-independent facts an editor and the engine need: the inputs it takes,
its sweet-spot and hard-maximum durations, the frame rate it samples, the channels and rate it
returns, and its licence. There is one table of them (MODELS), read by the UI, the CLI and the
engine. An **Offering** is a model on a host: the host's model id, the host's names for the
inputs, what the result is (audio, or a video to extract it from), the price, and the limits
that differ from the model's. Offerings are declarative data in each host's module
(providers/hosts/<host>.py, `OFFERINGS`); see docs/providers.md.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from types import MappingProxyType
from typing import Any

from foleydesk.core.model import CueKind
from foleydesk.providers.base import Capabilities, OutputKind, Pricing


class VideoInput(StrEnum):
    REQUIRED = "required"
    OPTIONAL = "optional"
    NONE = "none"  # text (and/or reference audio) only


class Kind(StrEnum):
    """What a model makes, as `foleydesk models` lists it."""

    FOLEY = "foley"  # sound for the picture
    MUSIC = "music"
    SFX_FROM_TEXT = "sfx-from-text"  # a sound from words alone (no picture)


# Our names for a model's inputs; an offering maps them to the host's field names.
INPUTS = frozenset(
    {
        "video",
        "prompt",
        "negative_prompt",
        "sfx_prompt",  # a separate sound-effects prompt (Kling)
        "music_prompt",  # a separate background-music prompt (Kling)
        "steps",
        "guidance",
        "duration",
        "seed",
        "mask_away_clip",
        "variations",  # results per call (Mirelo)
        "prompt_influence",  # how closely a text-to-sound model follows the words (ElevenLabs)
        "lyrics",
        "style_prompt",
        "style_audio",
    }
)


@dataclass(frozen=True)
class Model:
    """What makes the sound, whoever serves it (figures from the model's paper or README)."""

    id: str
    name: str
    kinds: tuple[Kind, ...]
    video: VideoInput
    inputs: frozenset[str]
    best_seconds: Fraction  # the sweet spot: chunks are cut this long
    max_seconds: Fraction  # never sent longer than this
    min_seconds: Fraction = Fraction(1)
    sampled_fps: Fraction = Fraction(25)  # segments are conformed to this rate
    channels: int = 1
    sample_rate: int = 44_100
    max_variations: int = 1
    licence: str = ""

    @property
    def cue_kinds(self) -> tuple[CueKind, ...]:
        """The cue kinds it can fill (a text-to-sfx model fills a foley cue without picture)."""
        kinds = []
        if Kind.FOLEY in self.kinds or Kind.SFX_FROM_TEXT in self.kinds:
            kinds.append(CueKind.FOLEY)
        if Kind.MUSIC in self.kinds:
            kinds.append(CueKind.MUSIC)
        return tuple(kinds)


_FOLEY_INPUTS = frozenset(
    {"video", "prompt", "negative_prompt", "steps", "guidance", "duration", "seed"}
)
_HOSTED_TERMS = "Hosted use is under the host's own terms."


def _mirelo(model_id: str, name: str, max_seconds: int) -> Model:
    """One Mirelo SFX version: the versions differ only in their longest range."""
    return Model(
        model_id,
        name,
        (Kind.FOLEY,),
        VideoInput.REQUIRED,
        frozenset({"video", "prompt", "seed", "duration", "variations"}),
        best_seconds=Fraction(10),
        max_seconds=Fraction(max_seconds),
        sampled_fps=Fraction(25),
        channels=2,
        sample_rate=48_000,
        max_variations=4,
        licence="Commercial model (Mirelo); seeds are not deterministic. " + _HOSTED_TERMS,
    )


MODELS: Mapping[str, Model] = MappingProxyType(
    {
        m.id: m
        for m in (
            Model(
                "mmaudio",
                "MMAudio v2",
                (Kind.FOLEY,),
                VideoInput.REQUIRED,
                _FOLEY_INPUTS | {"mask_away_clip"},
                best_seconds=Fraction(8),  # trained on 8 s clips
                max_seconds=Fraction(30),
                sampled_fps=Fraction(25),  # sync features at 25 fps (semantic at 8)
                channels=1,
                sample_rate=44_100,
                licence="MMAudio's weights are non-commercial (CC BY-NC). " + _HOSTED_TERMS,
            ),
            Model(
                "hunyuan-foley",
                "HunyuanVideo-Foley",
                (Kind.FOLEY,),
                VideoInput.REQUIRED,
                _FOLEY_INPUTS,
                best_seconds=Fraction(10),  # best 8-10 s
                max_seconds=Fraction(15),
                sampled_fps=Fraction(25),
                channels=2,
                sample_rate=48_000,
                licence=(
                    "Tencent Hunyuan licence: not licensed in the EU, the UK or South Korea. "
                    + _HOSTED_TERMS
                ),
            ),
            Model(
                "thinksound",
                "ThinkSound",
                (Kind.FOLEY,),
                VideoInput.REQUIRED,
                _FOLEY_INPUTS,
                best_seconds=Fraction(9),
                max_seconds=Fraction(30),
                sampled_fps=Fraction(25),
                channels=2,
                sample_rate=44_100,
                licence="ThinkSound's weights are non-commercial. " + _HOSTED_TERMS,
            ),
            Model(
                "kling-v2a",
                "Kling video-to-audio",
                (Kind.FOLEY,),
                VideoInput.REQUIRED,
                frozenset({"video", "sfx_prompt", "music_prompt", "prompt"}),
                best_seconds=Fraction(10),
                max_seconds=Fraction(20),
                min_seconds=Fraction(3),
                sampled_fps=Fraction(25),
                channels=2,
                sample_rate=48_000,
                licence="Commercial model (Kuaishou). " + _HOSTED_TERMS,
            ),
            _mirelo("mirelo-sfx", "Mirelo SFX 2.0", max_seconds=60),
            _mirelo("mirelo-sfx-1.6", "Mirelo SFX 1.6", max_seconds=60),
            _mirelo("mirelo-sfx-1.5", "Mirelo SFX 1.5", max_seconds=10),
            Model(
                "diffrhythm",
                "DiffRhythm",
                (Kind.MUSIC,),
                VideoInput.NONE,
                frozenset({"lyrics", "style_prompt", "style_audio"}),
                best_seconds=Fraction(95),
                max_seconds=Fraction(285),
                channels=2,
                sample_rate=44_100,
                licence=_HOSTED_TERMS,
            ),
            Model(
                "elevenlabs-sfx",
                "ElevenLabs sound effects",
                (Kind.SFX_FROM_TEXT,),
                VideoInput.NONE,
                frozenset({"prompt", "duration", "prompt_influence"}),
                best_seconds=Fraction(10),
                max_seconds=Fraction(30),  # ElevenLabs' own API; 22 s through fal
                min_seconds=Fraction(1, 2),
                channels=2,
                sample_rate=44_100,
                licence=_HOSTED_TERMS,
            ),
            Model(
                "sketch",
                "Offline sketch",
                (Kind.FOLEY, Kind.MUSIC),
                VideoInput.OPTIONAL,
                frozenset({"video", "prompt", "seed", "style_prompt"}),
                best_seconds=Fraction(600),
                max_seconds=Fraction(600),
                min_seconds=Fraction(1, 100),
                sampled_fps=Fraction(25),
                channels=1,
                sample_rate=48_000,
                licence="Made on this computer; yours.",
            ),
        )
    }
)


@dataclass(frozen=True)
class Offering:
    """A model on a host. `fields` maps our input names (INPUTS) to the host's; an input the
    host does not take is simply absent. `fixed` is sent as is; `defaults` fill an input the
    user left empty (a host that needs a negative prompt gets "music")."""

    model: str
    host: str
    endpoint: str  # the host's model id or path
    fields: Mapping[str, str]
    output: OutputKind = OutputKind.AUDIO
    pricing: Pricing = field(default_factory=Pricing)
    result_paths: tuple[tuple[str, ...], ...] = ()  # where the result URL sits (host default)
    fixed: Mapping[str, Any] = field(default_factory=dict)
    defaults: Mapping[str, Any] = field(default_factory=dict)
    max_seconds: Fraction | None = None  # the host's limit when tighter than the model's
    min_seconds: Fraction | None = None
    steps_range: tuple[int, int] | None = None
    default_steps: int | None = None
    cfg_range: tuple[float, float] | None = None
    default_cfg: float | None = None
    confirmed: bool = True  # field names read in the host's docs (False: built defensively)
    seed_range: tuple[int, int] | None = None  # the seeds this offering takes, when narrower
    max_prompt: int | None = None  # each prompt's limit, when tighter than the host's

    @property
    def key(self) -> str:
        return f"{self.model}@{self.host}"

    @property
    def spec(self) -> Model:
        return MODELS[self.model]

    def takes(self, name: str) -> bool:
        return name in self.fields

    def capabilities(self, host: Capabilities) -> Capabilities:
        """The host's limits narrowed to this model and this offering."""
        model = self.spec
        # The offering's own limit wins (a host serves models far longer than its MMAudio).
        longest = self.max_seconds or min(host.max_duration, model.max_seconds)
        shortest = max(host.min_duration, self.min_seconds or model.min_seconds)
        kinds = tuple(k for k in model.cue_kinds if k in host.kinds) or model.cue_kinds
        return dataclasses.replace(
            host,
            kinds=kinds,
            max_duration=longest,
            min_duration=shortest,
            best_duration=min(model.best_seconds, longest),
            steps_range=self.steps_range or host.steps_range,
            default_steps=self.default_steps or host.default_steps,
            cfg_range=self.cfg_range or host.cfg_range,
            default_cfg=self.default_cfg if self.default_cfg is not None else host.default_cfg,
            max_prompt=min(host.max_prompt, self.max_prompt or host.max_prompt),
            pricing=self.pricing,
            output=self.output,
            needs_segment=host.needs_segment and model.video is not VideoInput.NONE,
            segment_fps=model.sampled_fps,
            sample_rate=model.sample_rate,
            channels=model.channels,
            mask_away_clip=self.takes("mask_away_clip"),
        )


def take_label(model_id: str, host: str) -> str:
    """How a take's maker is named in the takes list and on the timeline: "Model @ host"."""
    known = MODELS.get(model_id)
    name = known.name if known else model_id
    return f"{name} @ {host}" if name else host


def model(model_id: str) -> Model:
    """A model by id (KeyError for an unknown one: callers check with MODELS first)."""
    return MODELS[model_id]
