"""FoleyDesk playback layer (Qt-free)."""
