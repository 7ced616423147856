#!/usr/bin/env bash
# The keyboard-only edit of issue 11, driven with xdotool on a real X display (Xvfb + openbox):
# open a video, mark three cues, write their prompts, generate, audition one, trim one, export.
# A screenshot is taken after each step into OUT/shots; look at every one.
#
#   Xvfb :62 -screen 0 1600x1000x24 & DISPLAY=:62 openbox &
#   scripts/keyboard_run.sh :62 /tmp/keysrun
#
# Needs: xdotool, imagemagick (import), ffmpeg (the test video), the app importable as
# `python -m foleydesk`. Settings, data and cache go under OUT, never the user's own.
set -euo pipefail

display=${1:?display, e.g. :62}
out=${2:?an empty work folder}
mkdir -p "$out/media" "$out/shots" "$out/config" "$out/data" "$out/cache"
export DISPLAY=$display XDG_CONFIG_HOME=$out/config XDG_DATA_HOME=$out/data
export XDG_CACHE_HOME=$out/cache QT_QPA_PLATFORM=xcb
video=$out/media/scene.mp4
if [ ! -f "$video" ]; then
  ffmpeg -loglevel error -y -f lavfi -i "testsrc2=size=1280x720:rate=25:duration=12" \
    -f lavfi -i "sine=frequency=440:duration=12:sample_rate=48000" \
    -c:v libx264 -pix_fmt yuv420p -g 25 -c:a aac -shortest "$video"
fi

shot() { sleep "${2:-0.8}"; import -window root "$out/shots/$1.png"; }
k() { xdotool key --delay 60 "$@"; sleep 0.3; }
mark_cue() {  # $1 frames of Shift+Right to the In, $2 to the Out, then O, Enter (Make cue)
  for _ in $(seq "$1"); do k shift+Right; done
  k i
  for _ in $(seq "$2"); do k shift+Right; done
  k o Return
}
prompt() { k Return; xdotool type --delay 25 "$1"; k Return; }

python -m foleydesk > "$out/app.log" 2>&1 &
echo $! > "$out/app.pid"
window=""
for _ in $(seq 60); do
  window=$(xdotool search --pid "$(cat "$out/app.pid")" --name "FoleyDesk" 2>/dev/null | tail -1 || true)
  [ -n "$window" ] && break
  sleep 0.5
done
[ -n "$window" ] || { echo "the window did not appear (see $out/app.log)" >&2; exit 1; }
sleep 8
xdotool windowactivate --sync "$window"
xdotool windowsize "$window" 1600 970
xdotool windowmove "$window" 0 30
shot 01-first-run
k ctrl+o; shot 02-open-dialog 1
xdotool type --delay 15 "$video"; k Return; sleep 7; shot 03-opened 0.5
k Home
mark_cue 3 2; shot 04-cue-1 0.3
prompt "footsteps on gravel"
mark_cue 5 4; prompt "door slam, heavy wood"
mark_cue 8 3; prompt "glass breaks on tiles"; shot 05-three-cues 0.3
k question; shot 06-key-sheet 0.8; k Escape
k ctrl+a; k g; sleep 6; shot 07-generated 0.5
# choose each cue's take: Down to the cue's in point, D selects the cue, C chooses its take
# (a take flagged "short" or "silent" is never chosen by itself)
k Home
for _ in 1 2 3; do k Down; k d c; k Down; done
shot 08-chosen 0.5
k Up Up Up; k d; k shift+space; shot 09-auditioning 0.7; sleep 2.5
for _ in $(seq 10); do k Left; done
k bracketright; shot 10-trimmed 0.4
k ctrl+e; shot 11-export-dialog 1; k Return; sleep 8; shot 12-exported 0.5
echo "screenshots in $out/shots; the app is still running (pid $(cat "$out/app.pid"))"
