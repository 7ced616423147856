"""The files the installers are built from: icons, licences, workflow, scripts, spec, setup."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ICONS = ROOT / "resources" / "icons"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_MAGIC
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize("name", ["foleydesk", "foleydesk-document"])
def test_ico_holds_every_windows_size_as_png(name: str) -> None:
    data = (ICONS / f"{name}.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind) == (0, 1)
    sizes = []
    for index in range(count):
        w, h, _, _, _, _, length, offset = struct.unpack(
            "<BBBBHHII", data[6 + 16 * index : 22 + 16 * index]
        )
        side = w or 256
        assert _png_size(data[offset : offset + length]) == (side, h or 256)
        sizes.append(side)
    assert sizes == [16, 24, 32, 48, 64, 128, 256]


@pytest.mark.parametrize("name", ["foleydesk", "foleydesk-document"])
def test_icns_elements_are_pngs_of_the_declared_size(name: str) -> None:
    data = (ICONS / f"{name}.icns").read_bytes()
    assert data[:4] == b"icns"
    assert struct.unpack(">I", data[4:8])[0] == len(data)
    expected = {
        b"ic11": 32,
        b"ic12": 64,
        b"ic07": 128,
        b"ic13": 256,
        b"ic08": 256,
        b"ic14": 512,
        b"ic09": 512,
        b"ic10": 1024,
    }
    found = {}
    position = 8
    while position < len(data):
        kind, length = (
            data[position : position + 4],
            struct.unpack(">I", data[position + 4 : position + 8])[0],
        )
        found[kind] = _png_size(data[position + 8 : position + length])[0]
        position += length
    assert found == expected


def test_icon_svgs_are_well_formed_and_pngs_match_their_names() -> None:
    for svg in ICONS.glob("*.svg"):
        root = ET.parse(svg).getroot()
        assert root.tag.endswith("svg") and root.get("viewBox") == "0 0 1024 1024"
    pngs = sorted(ICONS.glob("foleydesk*-*.png"))
    assert len(pngs) >= 14
    for png in pngs:
        side = int(png.stem.rsplit("-", 1)[1])
        assert _png_size(png.read_bytes()) == (side, side)


def test_licence_is_gpl3_or_later_as_pyproject_declares() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "GNU GENERAL PUBLIC LICENSE" in text and "Version 3, 29 June 2007" in text
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == {"text": "GPL-3.0-or-later"}


def test_third_party_notices_cover_every_runtime_dependency(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "installer"))
    try:
        import collect_licenses
    finally:
        sys.path.remove(str(ROOT / "installer"))
    notices = collect_licenses.collect(tmp_path / "licenses").read_text(encoding="utf-8")
    names = {d.metadata["Name"] for d in collect_licenses.runtime_distributions()}
    assert {"av", "PySide6_Essentials", "sounddevice", "keyring", "OpenTimelineIO"} <= names
    for name in names:
        assert f"\n{name} " in notices, name
    assert "FFmpeg" in notices and "GPL-2.0-or-later" in notices
    for text in ("GPL-2.0.txt", "GPL-3.0.txt", "LGPL-3.0.txt"):
        assert (tmp_path / "licenses" / text).stat().st_size > 5000
    assert (tmp_path / "licenses" / "av" / "LICENSE.txt").is_file()
    assert (tmp_path / "licenses" / "python" / "LICENSE.txt").is_file()


def test_release_workflow_builds_every_platform_on_tags_and_by_hand() -> None:
    yaml = pytest.importorskip("yaml")  # PyYAML
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "release.yml").read_text())
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as a boolean
    assert triggers["push"]["tags"] == ["v*"] and "workflow_dispatch" in triggers
    matrix = workflow["jobs"]["build"]["strategy"]["matrix"]["include"]
    assert {(m["name"], m["os"]) for m in matrix} == {
        ("windows-x64", "windows-2022"),
        ("macos-arm64", "macos-15"),
        ("macos-x86_64", "macos-15-intel"),
        ("linux-x86_64", "ubuntu-22.04"),
    }
    runs = "\n".join(step.get("run", "") for step in workflow["jobs"]["build"]["steps"])
    for script in (
        "installer/build_linux.sh",
        "installer/macos/build_dmg.sh",
        "installer/windows/build.ps1",
    ):
        assert script in runs and (ROOT / script).is_file(), script
    assert "pytest" in runs
    uploads = [
        s for s in workflow["jobs"]["build"]["steps"] if "upload-artifact" in s.get("uses", "")
    ]
    assert uploads and "self-test" in uploads[0]["with"]["path"]


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck not installed")
def test_shell_scripts_pass_shellcheck() -> None:
    scripts = sorted(str(p) for p in (ROOT / "installer").rglob("*.sh"))
    assert len(scripts) == 3
    result = subprocess.run(["shellcheck", *scripts], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_spec_compiles_and_inno_setup_keeps_its_identity() -> None:
    compile((ROOT / "installer" / "foleydesk.spec").read_text(), "foleydesk.spec", "exec")
    iss = (ROOT / "installer" / "windows" / "foleydesk.iss").read_text(encoding="utf-8")
    assert "AppId={{134582B0-257E-4A73-BBCC-1526B80A8CF2}" in iss  # never change: upgrades
    for line in (
        "ArchitecturesInstallIn64BitMode=x64compatible",
        "PrivilegesRequired=lowest",
        "PrivilegesRequiredOverridesAllowed=dialog commandline",
        "ChangesAssociations=yes",
    ):
        assert line in iss.splitlines(), line
    uninstall = [
        line
        for line in iss.split("[UninstallDelete]", 1)[1].splitlines()
        if line.strip() and not line.startswith(";")
    ]
    assert uninstall == ['Type: dirifempty; Name: "{app}"']  # nothing of the user's


def test_windowed_runtime_hook_sends_output_to_the_console_log(tmp_path: Path) -> None:
    hook = ROOT / "installer" / "rthook_console.py"
    code = (
        "import sys; sys.stdout = None; sys.stderr = None\n"
        f"exec(compile(open({str(hook)!r}).read(), 'rthook', 'exec'))\n"
        "print('printed by a windowed app'); sys.stdout.flush()\n"
    )
    env = {**os.environ, "FOLEYDESK_LOG_DIR": str(tmp_path)}
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)
    log = (tmp_path / "foleydesk-console.log").read_text(encoding="utf-8")
    assert "printed by a windowed app" in log
