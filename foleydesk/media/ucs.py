"""Universal Category System file names: `CatID_FXName_CreatorID_SourceID[_UserData]`.

CatIDs come from the UCS list (case-sensitive, e.g. DOORWood, FOLYFeet). We could not confirm
that the list's licence lets us ship it, so the app does not: the editor types the CatID per lane
or per cue and we check its form only (letters and digits; `_` separates the blocks, so it never
appears inside one). FXName comes from the cue's label, at most 25 characters.
"""

from __future__ import annotations

import re
import unicodedata

from foleydesk.errors import UserError

FXNAME_MAX = 25
_CAT_ID = re.compile(r"^[A-Za-z][A-Za-z0-9]{1,31}$")
_BLOCK_UNSAFE = re.compile(r'[_\\/:*?"<>|\x00-\x1f\x7f]+')


def check_cat_id(text: str) -> str:
    """The CatID as typed (trimmed) if it has a CatID's form; a clear error otherwise."""
    value = text.strip()
    if value and not _CAT_ID.match(value):
        raise UserError(
            f"'{text}' is not a UCS CatID.",
            "A CatID is letters and digits from the UCS list, such as DOORWood or FOLYFeet.",
        )
    return value


def _block(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    return " ".join(_BLOCK_UNSAFE.sub(" ", text).split())


def fx_name(label: str, fallback: str = "Untitled") -> str:
    """A short description from a label: no `_`, at most 25 characters, cut at a word."""
    name = _block(label) or fallback
    if len(name) <= FXNAME_MAX:
        return name
    cut = name[:FXNAME_MAX]
    if " " in cut and name[FXNAME_MAX] != " ":
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" .")


def ucs_stem(cat_id: str, label: str, creator_id: str, source_id: str) -> str:
    """`CatID_FXName_CreatorID_SourceID` (a file name without its extension)."""
    cat = check_cat_id(cat_id)
    if not cat:
        raise UserError("A UCS name needs a CatID.", "Set one on the cue or its lane.")
    creator = _block(creator_id).replace(" ", "") or "FD"
    source = _block(source_id) or "FoleyDesk"
    return f"{cat}_{fx_name(label)}_{creator}_{source}"
