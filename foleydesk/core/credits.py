"""What made a sound, in the words every export uses: `model@host`, the seed, the prompt.

A take records its host (`provider_id`) and, when the host served a named model, the model in
its params; exports, spotting sheets and BWF notes all read these helpers so they agree.
"""

from __future__ import annotations

from foleydesk.core.model import Cue, Take


def take_model(take: Take) -> str:
    """The model the take records (its field; older takes may carry it in their params)."""
    if take.model_id:
        return take.model_id
    for key in ("model", "model_id", "offering"):
        value = take.params.get(key)
        if isinstance(value, str) and value:
            return value.split("@", 1)[0]
    return ""


def model_at_host(take: Take | None) -> str:
    """`mmaudio@piapi`, or just the host when the take does not name a model."""
    if take is None:
        return ""
    model = take_model(take)
    return f"{model}@{take.provider_id}" if model else take.provider_id


def sound_note(cue: Cue, take: Take | None) -> str:
    """One line an NLE or a BWF reader shows: what was asked and who made it."""
    parts = [f"prompt: {cue.prompt}" if cue.prompt else ""]
    if cue.negative_prompt:
        parts.append(f"negative: {cue.negative_prompt}")
    if take is not None:
        parts.append(f"by {model_at_host(take)}")
        if take.seed is not None:
            parts.append(f"seed {take.seed}")
    return "; ".join(p for p in parts if p)
