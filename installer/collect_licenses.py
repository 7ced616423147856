"""Gather the licence texts of everything FoleyDesk ships, for the installers.

FoleyDesk bundles PyAV's GPL build of FFmpeg (with x264), Qt under the LGPL, PortAudio and a
dozen Python packages. Their licences require the texts to travel with the binaries, so the
PyInstaller spec calls `collect(out_dir)` and ships the folder as `licenses/`.

Run by hand: `python installer/collect_licenses.py OUT_DIR`.
"""

from __future__ import annotations

import importlib.metadata as metadata
import re
import shutil
import sys
import sysconfig
from pathlib import Path
from typing import cast

from packaging.markers import default_environment
from packaging.requirements import Requirement

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LICENSE_NAME = re.compile(r"^(licen[cs]e|copying|notice|authors)", re.IGNORECASE)

# Texts that no wheel carries: PySide6 wheels ship none, PyAV's wheel ships no FFmpeg licence.
EXTRA_TEXTS = {
    "GPL-2.0.txt": HERE / "licenses" / "GPL-2.0.txt",
    "LGPL-3.0.txt": HERE / "licenses" / "LGPL-3.0.txt",
    "GPL-3.0.txt": ROOT / "LICENSE",
}

NATIVE_NOTICES = """\
Native libraries inside this build
==================================

FFmpeg {ffmpeg} (libavcodec, libavformat, libavutil, libswscale, libswresample, ...)
  with libx264, libx265 and the other codec libraries of the PyAV wheel.
  Licence: GPL-2.0-or-later (see GPL-2.0.txt), because x264 and x265 are GPL.
  Built by the PyAV project: https://github.com/PyAV-Org/pyav-ffmpeg (build scripts and the
  exact source versions); FFmpeg source: https://ffmpeg.org/download.html. On request we send
  the complete corresponding source of this build (see the FoleyDesk repository's README).

Qt {qt} via PySide6 / Shiboken6 {pyside}
  Licence: LGPL-3.0-only (see LGPL-3.0.txt and GPL-3.0.txt). Qt source:
  https://download.qt.io/official_releases/qt/ . The Qt libraries are separate shared
  libraries in this folder and may be replaced by the user.

PortAudio {portaudio}
  Licence: MIT-style PortAudio licence (see the portaudio/ folder); http://www.portaudio.com/

Python {python}
  Licence: PSF License (see python/LICENSE.txt).
"""


def runtime_distributions(root: str = "foleydesk") -> list[metadata.Distribution]:
    """The installed distributions FoleyDesk needs at run time (no extras, markers evaluated)."""
    env = cast(dict[str, str], default_environment())
    seen: dict[str, metadata.Distribution] = {}
    todo = [root]
    while todo:
        name = todo.pop()
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        seen[key] = dist
        for spec in dist.requires or []:
            req = Requirement(spec)
            if req.marker is None or req.marker.evaluate({**env, "extra": ""}):
                todo.append(req.name)
    return sorted(
        (d for k, d in seen.items() if k != root), key=lambda d: d.metadata["Name"].lower()
    )


def _field(meta: metadata.PackageMetadata, name: str) -> str:
    values = meta.get_all(name) or []
    return str(values[0]) if values else ""


def _licence_label(dist: metadata.Distribution) -> str:
    meta = dist.metadata
    label = _field(meta, "License-Expression")
    if not label:
        text = _field(meta, "License").strip()
        label = text.splitlines()[0] if text and len(text) < 200 else ""
    if not label:
        classifiers = [c for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
        label = "; ".join(c.split("::")[-1].strip() for c in classifiers)
    return label or "see files"


def _copy_dist_licences(dist: metadata.Distribution, out: Path) -> int:
    copied = 0
    for entry in dist.files or []:
        in_dist_info = entry.parts[0].endswith(".dist-info")
        if not in_dist_info or not LICENSE_NAME.match(entry.name):
            continue
        source = Path(str(dist.locate_file(entry)))
        if not source.is_file():
            continue
        relative = Path(*entry.parts[1:])
        if relative.parts and relative.parts[0] == "licenses":
            relative = Path(*relative.parts[1:])
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        copied += 1
    return copied


def _python_licence(out: Path) -> None:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    for candidate in (
        stdlib / "LICENSE.txt",
        Path(sys.base_prefix) / "LICENSE.txt",
        Path(sys.base_prefix) / "share" / "doc" / "python3" / "copyright",
    ):
        if candidate.is_file():
            out.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(candidate, out / "LICENSE.txt")
            return


def _portaudio_licence(out: Path) -> None:
    """Windows/macOS: the sounddevice wheel's PortAudio notes; Linux: the distro's copyright."""
    candidates = [Path("/usr/share/doc/libportaudio2/copyright")]
    try:
        import _sounddevice_data

        data = Path(next(iter(_sounddevice_data.__path__))) / "portaudio-binaries"
        candidates = [*sorted(data.glob("*.md")), *sorted(data.glob("LICENSE*")), *candidates]
    except ImportError:
        pass
    for candidate in candidates:
        if candidate.is_file():
            out.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(candidate, out / candidate.name)


def _versions() -> dict[str, str]:
    found = {"ffmpeg": "?", "qt": "?", "pyside": "?", "portaudio": "?"}
    found["python"] = sys.version.split()[0]
    try:
        import av

        found["ffmpeg"] = str(getattr(av, "ffmpeg_version_info", "?"))
    except ImportError:
        pass
    try:
        import PySide6
        from PySide6.QtCore import qVersion

        found["qt"], found["pyside"] = qVersion(), PySide6.__version__
    except ImportError:
        pass
    try:
        import sounddevice

        found["portaudio"] = sounddevice.get_portaudio_version()[1]
    except (ImportError, OSError):
        pass
    return found


def collect(out_dir: Path) -> Path:
    """Write the licence folder; returns its THIRD-PARTY-NOTICES.txt."""
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    for name, source in EXTRA_TEXTS.items():
        shutil.copyfile(source, out_dir / name)
    lines = [
        "FoleyDesk third-party notices",
        "=============================",
        "",
        "FoleyDesk is free software under the GNU General Public License, version 3 or later",
        "(GPL-3.0.txt). It bundles the components below; each folder here holds the licence",
        "files of one component, exactly as its authors distribute them.",
        "",
        "Python packages",
        "---------------",
    ]
    for dist in runtime_distributions():
        name, version = dist.metadata["Name"], dist.version
        folder = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
        copied = _copy_dist_licences(dist, out_dir / folder)
        where = (
            f"{folder}/"
            if copied
            else "(the wheel has no licence file: see LGPL-3.0.txt, GPL-3.0.txt)"
        )
        lines.append(f"{name} {version}: {_licence_label(dist)}  {where}")
    _python_licence(out_dir / "python")
    _portaudio_licence(out_dir / "portaudio")
    lines += ["", NATIVE_NOTICES.format(**_versions())]
    notices = out_dir / "THIRD-PARTY-NOTICES.txt"
    notices.write_text("\n".join(lines), encoding="utf-8")
    return notices


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python installer/collect_licenses.py OUT_DIR")
    print(collect(Path(sys.argv[1])))
