#!/usr/bin/env bash
# Build FoleyDesk.app and FoleyDesk-<version>-macos-<arch>.dmg for THIS Mac's architecture.
#
#   installer/macos/build_dmg.sh [OUT_DIR]      (default: ./dist)
#
# One build per architecture (arm64 on macOS 14+, x86_64 on an Intel runner), never universal2:
# PyAV's arm64 wheels need macOS 14 while the Intel build runs on older systems.
#
# Signing and notarisation happen only when their secrets are in the environment; otherwise the
# script says so and leaves an ad-hoc-signed app (fine for testing, Gatekeeper will warn users).
#   FOLEYDESK_SIGN_IDENTITY   "Developer ID Application: Name (TEAMID)", in an unlocked keychain
#   NOTARY_KEYCHAIN_PROFILE   a profile saved with `xcrun notarytool store-credentials`, or
#   NOTARY_APPLE_ID + NOTARY_TEAM_ID + NOTARY_PASSWORD (an app-specific password)
# Other knobs: PYTHON (default python3), FOLEYDESK_ARCH (fail unless the build matches it).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$(mkdir -p "${1:-$ROOT/dist}" && cd "${1:-$ROOT/dist}" && pwd)"
PYTHON="${PYTHON:-python3}"
APP="$OUT/FoleyDesk.app"

say() { printf '== %s\n' "$*"; }
die() { printf 'build_dmg: %s\n' "$*" >&2; exit 1; }

[ "$(uname -s)" = Darwin ] || die "this script builds the macOS app and must run on macOS"

arch="$("$PYTHON" -c 'import platform; print(platform.machine())')"
if [ -n "${FOLEYDESK_ARCH:-}" ] && [ "$arch" != "$FOLEYDESK_ARCH" ]; then
    die "Python is $arch but FOLEYDESK_ARCH=$FOLEYDESK_ARCH (use a native $FOLEYDESK_ARCH Python)"
fi
version="$("$PYTHON" -c 'import foleydesk; print(foleydesk.__version__)')"
dmg="$OUT/FoleyDesk-$version-macos-$arch.dmg"

identity="${FOLEYDESK_SIGN_IDENTITY:-}"
notarise=no
if [ -n "$identity" ]; then
    if [ -n "${NOTARY_KEYCHAIN_PROFILE:-}" ]; then
        notary_auth=(--keychain-profile "$NOTARY_KEYCHAIN_PROFILE")
        notarise=yes
    elif [ -n "${NOTARY_APPLE_ID:-}" ] && [ -n "${NOTARY_TEAM_ID:-}" ] &&
        [ -n "${NOTARY_PASSWORD:-}" ]; then
        notary_auth=(--apple-id "$NOTARY_APPLE_ID" --team-id "$NOTARY_TEAM_ID"
            --password "$NOTARY_PASSWORD")
        notarise=yes
    fi
fi

say "building FoleyDesk $version for macos-$arch into $OUT"
if [ -z "$identity" ]; then
    say "SIGNING SKIPPED: FOLEYDESK_SIGN_IDENTITY is not set; the app is signed ad hoc only"
fi
export FOLEYDESK_SIGN_IDENTITY="$identity"  # read by installer/foleydesk.spec
rm -rf "$APP" "$OUT/FoleyDesk"
"$PYTHON" -m PyInstaller "$ROOT/installer/foleydesk.spec" \
    --noconfirm --clean --log-level WARN \
    --distpath "$OUT" --workpath "$OUT/build"
[ -d "$APP" ] || die "PyInstaller did not produce $APP"

say "frozen self-test"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
if ! env HOME="$scratch" FOLEYDESK_CONFIG_DIR="$scratch/config" \
    FOLEYDESK_LOG_DIR="$scratch/logs" FOLEYDESK_DATA_DIR="$scratch/data" \
    QT_QPA_PLATFORM=offscreen \
    "$APP/Contents/MacOS/FoleyDesk" --self-test --report "$OUT/self-test.txt"; then
    cat "$scratch/logs/foleydesk.log" >&2 2>/dev/null || true
    die "the frozen app failed its self-test"
fi
# The self-test ran against a fresh HOME, so the login keychain was not available to it; that is
# fine for the other checks. Make sure the binaries are really this architecture.
lipo -archs "$APP/Contents/MacOS/FoleyDesk" | grep -qx "$arch" ||
    die "executable is $(lipo -archs "$APP/Contents/MacOS/FoleyDesk"), expected $arch"

if [ -n "$identity" ]; then
    say "verifying the signature (hardened runtime, signed by PyInstaller with the spec's identity)"
    codesign --verify --deep --strict --verbose=2 "$APP"
    codesign --display --verbose=2 "$APP" 2>&1 | grep -E "^(Authority|TeamIdentifier|Runtime)" || true
fi

notarise_file() {  # $1: file to submit (zip or dmg)
    xcrun notarytool submit "$1" "${notary_auth[@]}" --wait --timeout 30m
}

if [ "$notarise" = yes ]; then
    say "notarising the app"
    ditto -c -k --keepParent "$APP" "$OUT/FoleyDesk-notarise.zip"
    notarise_file "$OUT/FoleyDesk-notarise.zip"
    rm -f "$OUT/FoleyDesk-notarise.zip"
    xcrun stapler staple "$APP"
    xcrun stapler validate "$APP"
elif [ -n "$identity" ]; then
    say "NOTARISATION SKIPPED: set NOTARY_KEYCHAIN_PROFILE or NOTARY_APPLE_ID/TEAM_ID/PASSWORD"
else
    say "NOTARISATION SKIPPED: the app is not signed with a Developer ID"
fi

say "making $dmg"
staging="$scratch/dmg"
mkdir -p "$staging"
ditto "$APP" "$staging/FoleyDesk.app"
ln -s /Applications "$staging/Applications"
cp "$ROOT/LICENSE" "$staging/LICENSE.txt"
rm -f "$dmg"
made=no
for attempt in 1 2 3 4 5; do  # hdiutil fails now and then on CI ("Resource busy")
    if hdiutil create -volname "FoleyDesk $version" -srcfolder "$staging" -fs HFS+ \
        -format UDZO -imagekey zlib-level=9 -ov "$dmg"; then
        made=yes
        break
    fi
    say "hdiutil failed (attempt $attempt); retrying in $((attempt * 5)) s"
    sleep $((attempt * 5))
done
[ "$made" = yes ] || die "hdiutil could not create the dmg"

if [ -n "$identity" ]; then
    codesign --force --sign "$identity" --timestamp "$dmg"
    codesign --verify --strict --verbose=2 "$dmg"
fi
if [ "$notarise" = yes ]; then
    say "notarising the dmg"
    notarise_file "$dmg"
    xcrun stapler staple "$dmg"
    xcrun stapler validate "$dmg"
    spctl --assess --type open --context context:primary-signature --verbose=2 "$dmg" || true
fi

say "app: $(du -sh "$APP" | cut -f1); dmg: $(du -h "$dmg" | cut -f1) -> $dmg"
