"""FoleyDesk interchange layer (Qt-free)."""
