#!/usr/bin/env bash
# Register the unpacked FoleyDesk folder with the desktop for the current user: menu entry,
# icons and the .foleydesk file type. Run from anywhere: ./install-desktop-entry.sh
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DATA="${XDG_DATA_HOME:-$HOME/.local/share}"

mkdir -p "$DATA/applications" "$DATA/icons/hicolor/scalable/apps" \
    "$DATA/icons/hicolor/256x256/apps" "$DATA/icons/hicolor/256x256/mimetypes"
sed "s|^Exec=foleydesk|Exec=\"$HERE/foleydesk\"|" "$HERE/share/foleydesk.desktop" \
    >"$DATA/applications/foleydesk.desktop"
cp "$HERE/share/foleydesk.svg" "$DATA/icons/hicolor/scalable/apps/foleydesk.svg"
cp "$HERE/share/foleydesk-256.png" "$DATA/icons/hicolor/256x256/apps/foleydesk.png"
cp "$HERE/share/foleydesk-document-256.png" \
    "$DATA/icons/hicolor/256x256/mimetypes/foleydesk-document.png"
if command -v xdg-mime >/dev/null; then
    xdg-mime install --novendor "$HERE/share/foleydesk-mime.xml"
    xdg-mime default foleydesk.desktop application/x-foleydesk
fi
if command -v update-desktop-database >/dev/null; then
    update-desktop-database "$DATA/applications" || true
fi
echo "FoleyDesk is in your applications menu."
