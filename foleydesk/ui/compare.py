"""Compare models on a cue (or a selection): tick offerings, see each one's price and the
total before anything is sent, then one set of takes per model. The takes list groups the
results by model, and Alt+Up / Alt+Down step through them while the cue loops."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from foleydesk.core.model import Cue, Job
from foleydesk.errors import UserError
from foleydesk.jobs.requests import build_request, generation_request
from foleydesk.providers.catalog import Offering
from foleydesk.providers.registry import get_provider, host_ready, offerings
from foleydesk.settings import Settings

if TYPE_CHECKING:
    from foleydesk.ui.main_window import MainWindow

DEFAULT_PICKS = 3  # the first models ready to run are ticked


def offering_label(offering: Offering) -> str:
    return f"{offering.spec.name} @ {offering.host}"


class CompareDialog(QDialog):
    """One checkbox per offering that can fill these cues, with its estimated price."""

    def __init__(self, window: MainWindow, cues: list[Cue], settings: Settings) -> None:
        super().__init__(window)
        self.setWindowTitle(self.tr("Compare models"))
        self.cues = cues
        self.settings = settings
        session = window.session
        assert session is not None
        self.rate = session.rate
        layout = QVBoxLayout(self)
        names = ", ".join(c.display_name() for c in cues[:3]) + ("..." if len(cues) > 3 else "")
        head = QLabel(self.tr("Generate {0} on several models at once:").format(names))
        head.setWordWrap(True)
        layout.addWidget(head)
        self.checks: list[tuple[QCheckBox, Offering]] = []
        box = QWidget()
        rows = QVBoxLayout(box)
        kinds = {c.kind for c in cues}
        picked = 0
        for offering in offerings():
            if not kinds <= set(offering.spec.cue_kinds):
                continue
            ready = host_ready(offering.host, settings)
            check = QCheckBox()
            check.setEnabled(ready)
            if ready and picked < DEFAULT_PICKS and offering.host != "offline":
                check.setChecked(True)
                picked += 1
            check.setToolTip(offering.spec.licence)
            check.toggled.connect(self._update)
            rows.addWidget(check)
            self.checks.append((check, offering))
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(box)
        layout.addWidget(scroll, 1)
        self.takes = QSpinBox()
        self.takes.setRange(1, 8)
        self.takes.setPrefix(self.tr("Takes per model: "))
        self.takes.valueChanged.connect(self._update)
        layout.addWidget(self.takes)
        self.total = QLabel()
        self.total.setObjectName("Cost")
        layout.addWidget(self.total)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.send = buttons.button(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(520, 460)
        self._update()

    def cost(self, offering: Offering) -> float | None:
        """The estimate for all the cues on one offering (None: it cannot take them)."""
        provider = get_provider(offering.host, self.settings, None, offering.model)
        total = 0.0
        for cue in self.cues:
            job = Job(0, cue.id, offering.host, request=build_request(cue, None, cue.params))
            request = generation_request(job, self.rate)
            if [p for p in provider.validate(request) if "API key" not in p]:
                return None
            total += provider.estimate_cost(request)
        return total * self.takes.value()

    def _update(self) -> None:
        total = 0.0
        chosen = 0
        for check, offering in self.checks:
            cost = self.cost(offering)
            free = "free" in offering.pricing.text.lower()
            price = f"${cost:.4f}" if cost else self.tr("free") if free else self.tr("price n/a")
            note = "" if check.isEnabled() else self.tr(" (no key)")
            if cost is None:
                note = self.tr(" (cannot take this range)")
                check.setChecked(False)
                check.setEnabled(False)
            check.setText(f"{offering_label(offering)}  {price}{note}")
            if check.isChecked() and cost is not None:
                total += cost
                chosen += 1
        self.total.setText(self.tr("{0} model(s), estimated total ${1:.4f}").format(chosen, total))
        self.send.setEnabled(chosen > 0)
        self.send.setText(self.tr("Generate on {0} model(s)").format(chosen))

    def chosen(self) -> list[Offering]:
        return [o for check, o in self.checks if check.isChecked()]


def compare_cues(window: MainWindow, cue_ids: list[int]) -> CompareDialog | None:
    """Open the dialog for the cues; on OK queue one set of takes per ticked model."""
    session = window.session
    jobs = window.jobs
    if session is None or jobs is None or not cue_ids:
        return None
    if session.selected_cue_id in cue_ids:
        window.inspector.commit_text()
    cues = [session.project.cues[i] for i in cue_ids if i in session.project.cues]
    empty = [c.display_name() for c in cues if not c.prompt.strip()]
    if empty:
        window.show_error(
            UserError(
                f"{', '.join(empty)} has no prompt yet.", "Say what it should sound like first."
            )
        )
        return None
    dialog = CompareDialog(window, cues, jobs.settings)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.accepted.connect(
        lambda: jobs.compare([c.id for c in cues], dialog.chosen(), dialog.takes.value())
    )
    dialog.open()
    return dialog
