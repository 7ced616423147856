"""Run the real window on a display, load the demo project with generated takes, save a PNG.

`python -m tests.ui.screenshot_app OUT.png WIDTH HEIGHT` (the screenshot test runs it under
Xvfb; run it on a desktop to look at the app the same way).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from foleydesk.ui.compat import new_loop


async def shoot(out: Path, width: int, height: int) -> int:
    from foleydesk.core.commands import choose_take
    from foleydesk.ui.main_window import MainWindow

    window = MainWindow()
    window.resize(width, height)
    window.show()
    if not await window.open_demo_async():
        print("the demo did not open:", window.banner.text, file=sys.stderr)
        return 1
    session = window.session
    assert session is not None
    project = session.project
    cues = project.sorted_cues()
    if window.jobs is not None:
        for cue in cues:
            window.jobs.generate(cue.id)
        for _ in range(600):
            if project.jobs and all(j.state.finished for j in project.jobs.values()):
                break
            await asyncio.sleep(0.1)
        take = next(iter(project.takes_for(cues[0].id)), None)
        if take is not None:
            session.push(choose_take(cues[0].id, take.id))
    session.select_cue(cues[0].id)
    window.seek(52)  # the second bounce lands on this frame
    await asyncio.sleep(2.0)  # thumbnails, waveform and the picture arrive
    QApplication.processEvents()
    screen = window.screen()
    pixmap = screen.grabWindow(window.winId())
    if pixmap.isNull() or pixmap.width() < 100:
        pixmap = window.grab()
    pixmap.save(str(out))
    print(f"saved {out} {pixmap.width()}x{pixmap.height()}")
    await window.close_session()
    await window.tasks.cancel_all()
    window.close()
    return 0


def main(argv: list[str]) -> int:
    out, width, height = Path(argv[0]), int(argv[1]), int(argv[2])
    app = QApplication(["foleydesk-screenshot"])
    from foleydesk.ui.theme import apply_theme

    apply_theme(app)
    with asyncio.Runner(loop_factory=new_loop) as runner:
        return runner.run(shoot(out, width, height))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
