"""Commands over every selected cue: generate (one confirmation with the total estimated cost
when a paid host is involved) and delete (one undo step)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMessageBox

from foleydesk.core.commands import DeleteCue
from foleydesk.core.model import Cue
from foleydesk.providers.base import GenerationRequest
from foleydesk.ui import providers as provider_list
from foleydesk.ui.compat import dialog_result
from foleydesk.ui.timeline_menu import push_all

if TYPE_CHECKING:
    from foleydesk.ui.main_window import MainWindow


def estimated_cost(window: MainWindow, cue: Cue) -> float:
    """What generating this cue's takes is estimated to cost on its provider (0: free)."""
    session = window.session
    assert session is not None
    inspector = window.inspector
    provider_id = cue.provider_id or provider_list.default_provider_id(inspector.settings)
    provider = next((p for p in inspector.providers if p.id == provider_id), None)
    if provider is None:
        return 0.0
    params = cue.params
    request = GenerationRequest(
        kind=cue.kind,
        prompt=cue.prompt,
        duration=cue.duration(session.rate),
        negative_prompt=cue.negative_prompt,
        seed=params.get("seed"),
        steps=params.get("steps"),
        cfg_strength=params.get("cfg_strength"),
        chunking=bool(params.get("chunking", False)),
    )
    takes = int(params.get("takes", 1) or 1)
    return float(provider.estimate_cost(request)) * takes


def generate_cues(window: MainWindow, cue_ids: list[int]) -> None:
    """One cue: as before. Several: say how many and what they cost (when anything is paid),
    and generate them all on one yes."""
    session = window.session
    if session is None or not cue_ids:
        return
    if session.selected_cue_id in cue_ids:
        window.inspector.commit_text()
    cues = [session.project.cues[i] for i in cue_ids if i in session.project.cues]
    if len(cues) == 1:
        window.generate(cues[0].id)
        return
    empty = [c for c in cues if not c.prompt.strip()]
    total = sum(estimated_cost(window, c) for c in cues)
    if total <= 0 and not empty:
        for cue in cues:
            window.generate(cue.id)
        return
    lines = [window.tr("Generate {0} cues?").format(len(cues))]
    if total > 0:
        lines.append(window.tr("Estimated cost in total: ${0:.2f}").format(total))
    if empty:
        lines.append(
            window.tr("{0} of them have no prompt yet: {1}").format(
                len(empty), ", ".join(c.display_name() for c in empty)
            )
        )
    box = QMessageBox(
        QMessageBox.Icon.Question,
        window.tr("Generate"),
        "\n".join(lines),
        QMessageBox.StandardButton.Cancel,
        window,
    )
    go = box.addButton(
        window.tr("Generate {0}").format(len(cues)), QMessageBox.ButtonRole.AcceptRole
    )
    window.generate_confirm = box

    async def ask() -> None:
        await dialog_result(box)
        window.generate_confirm = None
        if box.clickedButton() is go and window.session is session:
            for cue in cues:
                if cue.id in session.project.cues:
                    window.generate(cue.id)

    window.tasks.spawn(ask(), "generate-selected")


def delete_cues(window: MainWindow, cue_ids: list[int]) -> None:
    push_all(
        window,
        [DeleteCue(i, "") for i in cue_ids],
        window.tr("Delete cue") if len(cue_ids) == 1 else window.tr("Delete cues"),
    )
