"""Stems by category (Foley, SFX, Ambience, Music, Production dialogue) and the M&E, and the
UCS form of a clip's file name.

Post delivers stems by what they hold, not by the lanes an editor happened to make: each lane
carries a category, each category present gets one stem, and the M&E (music and effects, for
foreign versions) is every lane without the production dialogue.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from foleydesk.core.model import Category, Lane
from foleydesk.core.project import Project
from foleydesk.errors import UserError
from foleydesk.media.render import Placement
from foleydesk.media.ucs import ucs_stem

M_AND_E = "M&E"


@dataclass(frozen=True)
class StemGroup:
    name: str  # file name stem, e.g. "Stem SFX" or "M&E"
    lanes: tuple[Lane, ...]
    include_original: bool  # the production audio (dialogue)
    category: str


def group_plan(
    project: Project,
    lanes: list[Lane],
    lane_keys: dict[int, str],
    category_stems: bool,
    m_and_e: bool,
    original: Any,
) -> list[tuple[StemGroup, dict[str, Any]]]:
    """(group, what it is made of) for each category stem and the M&E that was asked for."""
    out: list[tuple[StemGroup, dict[str, Any]]] = []
    if category_stems:
        for category in Category:
            if category is Category.DIALOGUE:
                if original is not None:
                    group = StemGroup(f"Stem {category.value}", (), True, category.value)
                    out.append((group, {"original": original}))
                continue
            members = [lane for lane in lanes if lane.stem_category is category]
            if members:
                group = StemGroup(f"Stem {category.value}", tuple(members), False, category.value)
                out.append((group, {"lanes": [lane_keys[lane.id] for lane in members]}))
    if m_and_e and lanes:
        group = StemGroup(M_AND_E, tuple(lanes), False, "Music and effects")
        out.append((group, {"lanes": [lane_keys[lane.id] for lane in lanes]}))
    return out


def check_ucs_ready(project: Project, placements: list[Placement]) -> None:
    """Every clip needs a CatID (its cue's or its lane's) before anything is rendered."""
    missing = [
        p.cue.display_name() for p in placements if not (p.cue.ucs_cat_id or p.lane.ucs_cat_id)
    ]
    if missing:
        shown = ", ".join(missing[:5]) + (
            f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        )
        raise UserError(
            f"UCS names need a CatID, and these cues have none: {shown}.",
            "Set one per lane ('foleydesk lane set PROJECT N --ucs DOORWood') or per cue "
            "('cue set ... --ucs'). Nothing was written.",
        )


def clip_stem_ucs(p: Placement, creator_id: str, source_id: str) -> str:
    return ucs_stem(
        p.cue.ucs_cat_id or p.lane.ucs_cat_id,
        p.cue.label or p.cue.prompt or f"cue {p.cue.id}",
        creator_id,
        source_id,
    )
