#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages FoleyDesk needs: `app` for running it, `test` for the suite.
# Skips apt entirely when everything is already there (CI re-runs stay fast).
set -euo pipefail

app_packages=(
  python3 python3-venv python3-pip
  libportaudio2                      # sounddevice's PortAudio
  libegl1 libgl1 libglib2.0-0 libfontconfig1 libxkbcommon0 libdbus-1-3   # QtGui, even offscreen
  libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
  libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xfixes0      # Qt's xcb platform
)
test_packages=(
  ffmpeg mediainfo                   # fixtures and read-back checks; baselines for bench/
  libxml2-utils                      # xmllint: FCPXML validated against Apple's DTD
  poppler-utils                      # the spotting sheet PDF read back (pdftotext, pdfinfo)
  xvfb xauth                         # the screenshot test's real window
  openbox xdotool imagemagick        # driving the real window by keyboard under Xvfb (docs/ui.md)
  pulseaudio pulseaudio-utils libasound2-plugins   # the real sound server for playback tests
  gnome-keyring dbus-x11 libsecret-tools           # a real Secret Service for the keyring test
  shellcheck binutils                # installer script lint; PyInstaller needs objdump
)

wanted=("${app_packages[@]}")
[ "${1:-app}" = "test" ] && wanted+=("${test_packages[@]}")

missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null; then
  echo "Not a Debian/Ubuntu system: install the equivalents of: ${missing[*]}" >&2
  exit 1
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "Installing system packages: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
