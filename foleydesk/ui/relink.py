"""Relink and the missing source: a rewrap of the same media is accepted after saying what
differs and asking; a source that comes back by itself (a drive mounted again) is noticed, and
the banner about it goes."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QMessageBox

from foleydesk.errors import UserError
from foleydesk.ui.compat import dialog_result

if TYPE_CHECKING:
    from foleydesk.ui.main_window import MainWindow

WATCH_MS = 2000


async def relink(window: MainWindow, path: Path) -> None:
    """The same file (fingerprint) is taken at once; another wrapper of the same frames and
    timing is taken after the editor says yes; anything else is refused in words."""
    session = window.session
    if session is None:
        return
    project = session.project
    loop = asyncio.get_running_loop()
    try:
        await loop.run_in_executor(None, project.relink, path)
    except UserError:
        from foleydesk.media.rewrap import check_rewrap

        try:
            check = await loop.run_in_executor(None, check_rewrap, project.source, path)
        except UserError as exc:
            window.show_error(exc)
            return
        source = project.source
        text = window.tr(
            "{0} has the same frames and timing as the project's source ({1} frames at {2:g} "
            "fps, starting at {3}), in another file.\n\nWhat differs:\n{4}\n\n"
            "Use it as the source? The cues stay on their frames."
        ).format(
            path.name,
            source.frame_count,
            float(source.frame_rate),
            source.timecode_at(0),
            "\n".join(f"\u2022 {d}" for d in check.differences) or "\u2022 nothing",
        )
        box = QMessageBox(
            QMessageBox.Icon.Question,
            window.tr("Relink to a rewrap?"),
            text,
            QMessageBox.StandardButton.Cancel,
            window,
        )
        use = box.addButton(window.tr("Use it"), QMessageBox.ButtonRole.AcceptRole)
        window.relink_question = box
        await dialog_result(box)
        window.relink_question = None
        if box.clickedButton() is not use or window.session is not session:
            return
        try:
            await loop.run_in_executor(None, project.relink, path, check.candidate)
        except UserError as exc:
            window.show_error(exc)
            return
    window.banner.hide()
    await window.install_project_again()


class SourceWatch(QObject):
    """While the source is missing, look for it every two seconds (off the loop: a network
    drive can be slow); when it is back, reopen the project so picture and playback return."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.timer = QTimer(self)
        self.timer.setInterval(WATCH_MS)
        self.timer.timeout.connect(self._look)
        self._looking = False

    def start(self) -> None:
        session = self.window.session
        if session is not None and session.project.source_path is None:
            self.timer.start()
        else:
            self.timer.stop()

    def _look(self) -> None:
        if self._looking:
            return
        session = self.window.session
        if session is None or session.project.source_path is not None:
            self.timer.stop()
            return
        self._looking = True
        self.window.tasks.spawn(self._look_async(), "source-watch")

    async def _look_async(self) -> None:
        session = self.window.session
        try:
            if session is None:
                return
            loop = asyncio.get_running_loop()
            back = await loop.run_in_executor(None, session.project.look_for_source)
            if back and self.window.session is session:
                self.timer.stop()
                self.window.banner.hide()
                self.window.status.showMessage(
                    self.window.tr("The source video is back: picture and playback return."), 6000
                )
                await self.window.install_project_again()
        finally:
            self._looking = False
