"""The window's menus and keyboard map: every command is one QAction on the window.

Actions are added to the window itself (not only to a menu) so their shortcuts work wherever
focus is inside it. The window keeps the returned WindowActions to enable and retitle them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from foleydesk.ui import recent

if TYPE_CHECKING:
    from foleydesk.ui.main_window import MainWindow

Keys = str | QKeySequence.StandardKey | list[str | QKeySequence.StandardKey] | None


@dataclass(frozen=True)
class WindowActions:
    """The actions the window enables, disables or retitles as its project changes."""

    relink: QAction
    start_tc: QAction
    export: QAction
    import_markers: QAction
    undo: QAction
    redo: QAction
    delete: QAction
    mark_in: QAction
    mark_out: QAction
    marker: QAction
    rename_marker: QAction
    delete_marker: QAction
    prompt: QAction
    make_cue: QAction
    generate: QAction
    generate_new_part: QAction
    regenerate: QAction
    choose: QAction
    build_proxy: QAction

    def need_project(self) -> tuple[QAction, ...]:
        """The actions that only make sense with a project open."""
        return (
            self.mark_in,
            self.mark_out,
            self.marker,
            self.rename_marker,
            self.delete_marker,
            self.prompt,
            self.make_cue,
            self.generate,
            self.generate_new_part,
            self.regenerate,
            self.delete,
            self.export,
            self.import_markers,
            self.relink,
            self.start_tc,
            self.choose,
        )


def _action(
    window: MainWindow,
    text: str,
    slot: Callable[[], object],
    keys: Keys = None,
    menu: QMenu | None = None,
    tip: str = "",
) -> QAction:
    action = QAction(text, window)
    if keys is not None:
        seqs = keys if isinstance(keys, list) else [keys]
        action.setShortcuts([QKeySequence(k) for k in seqs])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.triggered.connect(lambda _checked=False: slot())
    if tip:
        action.setToolTip(tip)
    window.addAction(action)
    if menu is not None:
        menu.addAction(action)
    return action


def _fill_waveform(menu: QMenu, w: MainWindow) -> None:
    """The production streams summed, or any one audio stream of the source."""
    menu.clear()
    session = w.session
    if session is None or not session.project.source.audio_streams:
        none = menu.addAction(menu.tr("(no audio streams)"))
        none.setEnabled(False)
        return
    source = session.project.source
    choices: list[tuple[str, int | None]] = [(menu.tr("Production sound summed"), None)]
    for n, stream in enumerate(source.audio_streams):
        text = menu.tr("Stream {0}: {1} ch ({2})").format(
            n + 1, stream["channels"], stream["layout"]
        )
        choices.append((text, n))
    for text, position in choices:
        action = menu.addAction(text)
        action.setCheckable(True)
        action.setChecked(source.waveform_stream == position)
        action.triggered.connect(lambda _=False, p=position: w.show_waveform_of(p))


def _fill_recent(menu: QMenu, open_path: Callable[[Path], object]) -> None:
    menu.clear()
    items = recent.load_recent()
    if not items:
        none = menu.addAction(menu.tr("(none yet)"))
        none.setEnabled(False)
    for path in items:
        action = menu.addAction(path.name)
        action.setToolTip(str(path))
        action.triggered.connect(lambda _c=False, p=path: open_path(p))


def build_menus(w: MainWindow) -> WindowActions:
    """Build the menu bar and the window's shortcuts; return the actions that change state."""
    tr = w.tr
    bar = w.menuBar()
    file_menu = bar.addMenu(tr("&File"))
    _action(
        w, tr("&Open video or project..."), w.choose_file, QKeySequence.StandardKey.Open, file_menu
    )
    recent_menu = file_menu.addMenu(tr("Open &recent"))
    recent_menu.aboutToShow.connect(lambda: _fill_recent(recent_menu, w.open_path))
    _action(w, tr("Open the &demo"), w.open_demo, None, file_menu)
    file_menu.addSeparator()
    relink = _action(w, tr("&Relink source video..."), w.choose_relink, None, file_menu)
    import_markers = _action(
        w, tr("&Import markers (Premiere, Resolve)..."), w.choose_markers, None, file_menu
    )
    start_tc = _action(w, tr("Start &timecode..."), w.ask_start_timecode, None, file_menu)
    export = _action(w, tr("&Export..."), w.show_export, "Ctrl+E", file_menu)
    _action(w, tr("&Settings..."), w.show_settings, QKeySequence.StandardKey.Preferences, file_menu)
    file_menu.addSeparator()
    _action(w, tr("&Quit"), w.close, QKeySequence.StandardKey.Quit, file_menu)

    edit = bar.addMenu(tr("&Edit"))
    undo = _action(w, tr("&Undo"), w.undo, ["Ctrl+Z"], edit)
    redo = _action(w, tr("&Redo"), w.redo, ["Ctrl+Shift+Z", "Ctrl+Y"], edit)
    _action(w, tr("Select all cues"), w.select_all, "Ctrl+A", edit)
    delete = _action(
        w, tr("&Delete"), w.delete_selection, [QKeySequence.StandardKey.Delete, "Backspace"], edit
    )

    cue_menu = bar.addMenu(tr("&Cue"))
    m = w.marks
    mark_in = _action(w, tr("Mark &In"), m.mark_in, "I", cue_menu)
    mark_out = _action(w, tr("Mark &Out"), m.mark_out, "O", cue_menu)
    _action(w, tr("Mark the cue under the playhead"), m.mark_clip, "X", cue_menu)
    _action(w, tr("Select the cue under the playhead"), m.select_at_playhead, "D", cue_menu)
    _action(w, tr("Clear In and Out"), m.clear_marks, ["Alt+X", "Escape"], cue_menu)
    _action(w, tr("Go to In"), m.go_in, "Shift+I", cue_menu)
    _action(w, tr("Go to Out"), m.go_out, "Shift+O", cue_menu)
    make_cue = _action(w, tr("Make &cue from the marks"), m.enter, ["Return", "Enter"], cue_menu)
    cue_menu.addSeparator()
    _action(w, tr("Trim cue start to the playhead"), m.trim_start, "[", cue_menu)
    _action(w, tr("Trim cue end to the playhead"), m.trim_end, "]", cue_menu)
    prompt = _action(w, tr("Edit &prompt"), w.edit_prompt, None, cue_menu)
    generate = _action(w, tr("&Generate"), w.generate_selected, "G", cue_menu)
    generate_new_part = _action(
        w, tr("Generate the &new part"), w.generate_new_part, None, cue_menu
    )
    regenerate = _action(w, tr("&Regenerate whole cue"), w.regenerate_whole, None, cue_menu)
    choose = _action(w, tr("&Choose take"), w.choose_take, "C", cue_menu)
    _action(w, tr("Compare &models..."), w.compare_selected, "Shift+G", cue_menu)
    _action(w, tr("Next take"), lambda: w.step_take(1), "Alt+Down", cue_menu)
    _action(w, tr("Previous take"), lambda: w.step_take(-1), "Alt+Up", cue_menu)
    cue_menu.addSeparator()
    marker = _action(w, tr("Add &marker"), w.add_marker, "M", cue_menu)
    _action(w, tr("Next marker"), lambda: m.jump_marker(1), "Shift+M", cue_menu)
    _action(w, tr("Previous marker"), lambda: m.jump_marker(-1), "Ctrl+Shift+M", cue_menu)
    rename_marker = _action(w, tr("Re&name marker..."), w.rename_marker_here, None, cue_menu)
    delete_marker = _action(w, tr("De&lete marker"), w.delete_marker_here, "Alt+M", cue_menu)

    play = bar.addMenu(tr("&Playback"))
    _action(w, tr("Play / pause"), w.toggle_play, "Space", play)
    _action(w, tr("Play the marked range"), w.play_marked, "Shift+Space", play)
    _action(w, tr("Play backwards (again: faster)"), w.key_j, "J", play)
    _action(w, tr("Stop"), w.key_k, "K", play)
    _action(w, tr("Play forwards (again: faster)"), w.key_l, "L", play)
    play.addSeparator()
    _action(w, tr("Back one frame"), lambda: w.step(-1), "Left", play)
    _action(w, tr("Forward one frame"), lambda: w.step(1), "Right", play)
    _action(w, tr("Back ten frames"), lambda: w.step(-10), "Shift+Left", play)
    _action(w, tr("Forward ten frames"), lambda: w.step(10), "Shift+Right", play)
    _action(w, tr("Previous edit point"), lambda: m.jump(-1), ["Up", ";"], play)
    _action(w, tr("Next edit point"), lambda: m.jump(1), ["Down", "'"], play)
    _action(w, tr("Go to start"), lambda: w.seek(0), "Home", play)
    _action(w, tr("Go to end"), w.go_end, "End", play)

    view = bar.addMenu(tr("&View"))
    _action(w, tr("Zoom in"), w.zoom_in, ["=", "+", "Ctrl+="], view)
    _action(w, tr("Zoom out"), w.zoom_out, ["-", "Ctrl+-"], view)
    _action(w, tr("Fit the source"), w.fit, ["\\", "Ctrl+0"], view)
    view.addSeparator()
    build_proxy = _action(
        w,
        tr("Build viewer proxy now"),
        w.build_proxy_now,
        menu=view,
        tip=tr("An all-intra copy of the source at view size: every frame seeks at once"),
    )
    waveform_menu = view.addMenu(tr("Source &waveform"))
    waveform_menu.aboutToShow.connect(lambda: _fill_waveform(waveform_menu, w))
    view.addSeparator()
    for dock in (w.inspector_dock, w.side_dock, w.cues_dock):
        view.addAction(dock.toggleViewAction())

    help_menu = bar.addMenu(tr("&Help"))
    _action(w, tr("Keyboard shortcuts (?)"), w.show_help, "F1", help_menu)

    return WindowActions(
        relink=relink,
        start_tc=start_tc,
        export=export,
        import_markers=import_markers,
        undo=undo,
        redo=redo,
        delete=delete,
        mark_in=mark_in,
        mark_out=mark_out,
        marker=marker,
        rename_marker=rename_marker,
        delete_marker=delete_marker,
        prompt=prompt,
        make_cue=make_cue,
        generate=generate,
        generate_new_part=generate_new_part,
        regenerate=regenerate,
        choose=choose,
        build_proxy=build_proxy,
    )
