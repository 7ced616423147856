#!/usr/bin/env bash
# Build the Linux one-dir app with PyInstaller, run its --self-test offscreen, print its size.
#
#   installer/build_linux.sh [OUT_DIR]      (default: ./dist-linux)
#
# Leaves OUT_DIR/FoleyDesk/ (the app: OUT_DIR/FoleyDesk/foleydesk) and
# OUT_DIR/FoleyDesk-<version>-linux-<arch>.tar.gz. Exits non-zero when the build or the
# self-test fails. PYTHON selects the interpreter (default: python3).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$(mkdir -p "${1:-$ROOT/dist-linux}" && cd "${1:-$ROOT/dist-linux}" && pwd)"
PYTHON="${PYTHON:-python3}"
WORK="$OUT/build"
APP_DIR="$OUT/FoleyDesk"

version="$("$PYTHON" -c 'import foleydesk; print(foleydesk.__version__)')"
arch="$(uname -m)"
echo "== building FoleyDesk $version for linux-$arch into $OUT"
start=$(date +%s)
"$PYTHON" -m PyInstaller "$ROOT/installer/foleydesk.spec" \
    --noconfirm --clean --log-level WARN \
    --distpath "$OUT" --workpath "$WORK"
echo "== PyInstaller took $(( $(date +%s) - start )) s"

# Run the frozen app in a clean environment: no source tree on the path, throwaway settings.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
echo "== frozen self-test"
set +e
(
    cd "$scratch" &&
        env -i PATH=/usr/bin:/bin HOME="$scratch" LANG=C.UTF-8 QT_QPA_PLATFORM=offscreen \
            FOLEYDESK_CONFIG_DIR="$scratch/config" FOLEYDESK_LOG_DIR="$scratch/logs" \
            FOLEYDESK_DATA_DIR="$scratch/data" \
            ${PULSE_SERVER:+PULSE_SERVER="$PULSE_SERVER"} \
            ${XDG_RUNTIME_DIR:+XDG_RUNTIME_DIR="$XDG_RUNTIME_DIR"} \
            "$APP_DIR/foleydesk" --self-test --report "$OUT/self-test.txt"
)
status=$?
set -e
if [ "$status" -ne 0 ]; then
    echo "== frozen self-test FAILED (exit $status); log: $scratch/logs" >&2
    cat "$scratch/logs/foleydesk.log" >&2 2>/dev/null || true
    exit "$status"
fi

# Desktop integration files for the tarball (the user runs install-desktop-entry.sh).
mkdir -p "$APP_DIR/share"
cp "$ROOT/installer/linux/foleydesk.desktop" "$ROOT/installer/linux/foleydesk-mime.xml" \
    "$ROOT/resources/icons/foleydesk.svg" "$ROOT/resources/icons/foleydesk-256.png" \
    "$ROOT/resources/icons/foleydesk-document-256.png" "$APP_DIR/share/"
cp "$ROOT/installer/linux/install-desktop-entry.sh" "$ROOT/LICENSE" "$APP_DIR/"

tarball="$OUT/FoleyDesk-$version-linux-$arch.tar.gz"
tar -C "$OUT" -czf "$tarball" FoleyDesk
echo "== bundle: $(du -sh "$APP_DIR" | cut -f1) on disk ($(du -sb "$APP_DIR" | cut -f1) bytes)," \
    "$(find "$APP_DIR" -type f | wc -l) files; tarball $(du -h "$tarball" | cut -f1)"
