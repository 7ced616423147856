"""Start the desktop app: logging, Qt, the dark theme, the qasync loop, and the first project.

With a file argument that file opens; otherwise the last project, or on first run the demo
(rendered here, no key and no network).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from foleydesk import APP_NAME, __version__
from foleydesk.logs import setup_logging
from foleydesk.ui import preferences
from foleydesk.ui.compat import new_loop  # imports PySide6 before qasync

if TYPE_CHECKING:
    from foleydesk.ui.main_window import MainWindow  # imported at run time once Qt is up

log = logging.getLogger(__name__)


def run_gui(args: list[str]) -> int:
    verbose = any(a in ("-v", "--verbose") for a in args)
    setup_logging(verbose)
    logging.getLogger("qasync").setLevel(logging.INFO)  # its debug output is per callback
    files = [a for a in args if not a.startswith("-")]
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else APP_NAME])
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setQuitOnLastWindowClosed(False)  # the coroutine below decides when to stop

    from foleydesk.ui.theme import apply_theme

    apply_theme(app)
    log.info("FoleyDesk %s starting", __version__)
    with asyncio.Runner(loop_factory=new_loop) as runner:
        try:
            return runner.run(_main(files))
        except KeyboardInterrupt:  # a second Ctrl+C while closing: leave without a traceback
            return 130


async def _main(files: list[str]) -> int:
    from foleydesk.ui.main_window import MainWindow

    window = MainWindow()
    geometry, state = preferences.saved_window()
    if geometry is not None:
        window.restoreGeometry(geometry)
    if state is not None:
        window.restoreState(state)
    closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def on_closed() -> None:
        if not closed.done():
            closed.set_result(None)

    window.closed.connect(on_closed)
    # Ctrl+C in a terminal closes the window like the close button (cleanly, jobs resumable).
    signal.signal(signal.SIGINT, lambda *_: QTimer.singleShot(0, window.close))
    wake = QTimer(window)  # Python only sees signals when it runs: wake it twice a second
    wake.timeout.connect(lambda: None)
    wake.start(500)
    window.show()
    await open_first(window, files)
    await closed
    await window.close_session()
    await window.tasks.cancel_all()
    return 0


async def open_first(window: MainWindow, files: list[str]) -> bool:
    """The file asked for, else the last project, else the demo."""
    from foleydesk.ui import recent

    if files:
        return await window.open_async(Path(files[0]))
    for path in recent.load_recent()[:1]:
        if await window.open_async(path):
            return True
    return await window.open_demo_async()
