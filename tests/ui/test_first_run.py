"""First run opens the demo (no key, no network); later runs open the last project."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from foleydesk import loopguard
from foleydesk.core.model import LaneKind
from foleydesk.ui import recent
from foleydesk.ui.launch import open_first


def test_first_run_opens_the_demo_on_the_offline_provider(window: Any, run: Any) -> None:
    recent.recent_file().unlink(missing_ok=True)
    assert run(open_first(window, []), timeout=60)
    project = window.session.project
    assert project.name == "FoleyDesk Demo"
    cues = project.sorted_cues()
    assert len(cues) == 2
    assert {c.provider_id for c in cues} == {"offline"}
    assert all(c.prompt for c in cues)
    foley = {lane.id for lane in project.lanes.values() if lane.kind is LaneKind.FOLEY}
    assert {c.lane_id for c in cues} <= foley
    assert project.source.has_audio and project.source.frame_count == 200
    assert "offline provider" in window.banner.text
    assert window.session.selected_cue_id == cues[0].id  # G works at once
    if window.jobs is not None:
        button = window.inspector.generate_button
        assert button.isVisible() and button.isEnabled(), button.toolTip()


def test_next_run_opens_the_last_project(window: Any, run: Any, fresh_video: Path) -> None:
    assert run(window.open_async(fresh_video))
    path = window.session.project.path
    run(window.close_session())
    assert recent.load_recent()[0] == path
    assert run(open_first(window, []))
    assert window.session.project.path == path


def test_demo_module_is_qt_free() -> None:
    import subprocess
    import sys

    code = (
        "import sys, foleydesk.demo; "
        "sys.exit(any(m.split('.')[0] in ('PySide6', 'qasync') for m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_demo_guide_audio_thumps_land_on_the_bounce_frames(tmp_path: Path) -> None:
    import numpy as np

    from foleydesk.demo import BOUNCE_FRAMES, DEMO_FPS, render_demo_clip
    from foleydesk.media.audio import decode_audio

    clip = render_demo_clip(tmp_path / "demo.mp4", seconds=5)
    with loopguard.allowed():  # the test reads the file (the UI tests run on the loop)
        audio = decode_audio(clip)[:, 0]
    for frame in BOUNCE_FRAMES:
        at = frame * 48000 // DEMO_FPS
        window = np.abs(audio[at : at + 2400]).max()
        before = np.abs(audio[at - 4800 : at - 600]).max()
        assert window > 4 * before, frame
