"""FoleyDesk playback: transport, mixer, audio-master clock and video frames in sync (no Qt).

See engine.py for the threads and clock.py for how the playhead is derived from the audio device.
"""

from foleydesk.playback.engine import Loop, PlaybackEngine, PlaybackStats

__all__ = ["Loop", "PlaybackEngine", "PlaybackStats"]
