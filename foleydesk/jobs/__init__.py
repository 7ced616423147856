"""FoleyDesk jobs layer (Qt-free)."""
