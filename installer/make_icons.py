"""Render resources/icons/*.svg into the PNG, ICO and ICNS files the installers need.

    python installer/make_icons.py        (rewrites resources/icons/*.png, *.ico, *.icns)

Uses Qt's SVG renderer (already a dependency) and writes ICO and ICNS itself: both formats can
hold PNG images, so no platform tool (iconutil, ImageMagick) is needed and every OS builds the
same bytes. 16-32 px images come from the simplified `-small.svg` when there is one, because the
full drawing turns to mush at that size.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
SMALL_MAX = 32
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# ICNS element types holding PNG data, and their pixel size (Retina "@2x" types included).
ICNS_TYPES = (
    (b"ic11", 32),
    (b"ic12", 64),
    (b"ic07", 128),
    (b"ic13", 256),
    (b"ic08", 256),
    (b"ic14", 512),
    (b"ic09", 512),
    (b"ic10", 1024),
)
PNG_SIZES = (16, 32, 48, 64, 128, 256, 512)


def render_png(svg: Path, size: int) -> bytes:
    """PNG bytes of `svg` drawn into a transparent size x size square."""
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg}: not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]  # the stub wants bytes, Qt a str
    buffer.close()
    return bytes(data.data())


def ico_bytes(images: dict[int, bytes]) -> bytes:
    """An ICO file whose entries are PNG images (Windows Vista and later read these)."""
    sizes = sorted(images)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(header) + 16 * len(sizes)
    entries, blobs = b"", b""
    for size in sizes:
        png = images[size]
        side = 0 if size >= 256 else size  # 0 means 256 in an ICONDIRENTRY
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset)
        blobs += png
        offset += len(png)
    return header + entries + blobs


def icns_bytes(images: dict[int, bytes]) -> bytes:
    """An ICNS file of PNG elements (macOS 10.7 and later)."""
    body = b""
    for kind, size in ICNS_TYPES:
        png = images[size]
        body += kind + struct.pack(">I", 8 + len(png)) + png
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def build(name: str) -> list[Path]:
    """Write <name>.ico, <name>.icns and <name>-<size>.png from <name>.svg (+ -small.svg)."""
    big = ICONS / f"{name}.svg"
    small = ICONS / f"{name}-small.svg"
    sizes = sorted({*ICO_SIZES, *PNG_SIZES, *(s for _, s in ICNS_TYPES)})
    images = {
        size: render_png(small if size <= SMALL_MAX and small.exists() else big, size)
        for size in sizes
    }
    written = [ICONS / f"{name}.ico", ICONS / f"{name}.icns"]
    written[0].write_bytes(ico_bytes({s: images[s] for s in ICO_SIZES}))
    written[1].write_bytes(icns_bytes(images))
    for size in PNG_SIZES:
        path = ICONS / f"{name}-{size}.png"
        path.write_bytes(images[size])
        written.append(path)
    return written


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    for name in ("foleydesk", "foleydesk-document"):
        for path in build(name):
            print(f"{path.relative_to(ICONS.parent.parent)}  {path.stat().st_size} bytes")
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
