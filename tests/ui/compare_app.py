"""The real window with a WaveSpeed emulator behind it, for looking at Compare by hand or under
Xvfb: `python -m tests.ui.compare_app SECONDS` opens the demo, selects its first cue and waits
(drive it with the keyboard: Shift+G, Enter, Alt+Down, C); it quits after SECONDS."""

from __future__ import annotations

import asyncio
import os
import sys

from PySide6.QtWidgets import QApplication

from foleydesk.ui.compat import new_loop
from tests.fakes.hosts import WavespeedHost


async def serve(seconds: float) -> int:
    from foleydesk.ui.main_window import MainWindow

    window = MainWindow()
    window.resize(1600, 1000)
    window.show()
    if not await window.open_demo_async():
        print("the demo did not open:", window.banner.text, file=sys.stderr)
        return 1
    session = window.session
    assert session is not None
    first = session.project.sorted_cues()[0]
    session.select_cue(first.id)
    from PySide6.QtCore import Qt

    # Room for the takes list: the side docks as an editor comparing takes would size them.
    window.resizeDocks([window.inspector_dock], [440], Qt.Orientation.Horizontal)
    window.resizeDocks(
        [window.inspector_dock, window.side_dock], [300, 600], Qt.Orientation.Vertical
    )
    window.activateWindow()
    window.timeline.setFocus()
    print("READY", flush=True)
    await asyncio.sleep(seconds)
    await window.close_session()
    await window.tasks.cancel_all()
    window.close()
    return 0


def main(argv: list[str]) -> int:
    server = WavespeedHost("shot-key-0123", latency=1.0)
    server.start()
    os.environ["FOLEYDESK_WAVESPEED_BASE_URL"] = server.base_url
    os.environ["FOLEYDESK_WAVESPEED_API_KEY"] = "shot-key-0123"
    app = QApplication(["foleydesk-compare"])
    from foleydesk.ui.theme import apply_theme

    apply_theme(app)
    try:
        with asyncio.Runner(loop_factory=new_loop) as runner:
            return runner.run(serve(float(argv[0]) if argv else 120.0))
    finally:
        server.stop()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
