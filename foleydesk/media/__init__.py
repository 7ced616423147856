"""FoleyDesk media layer (Qt-free)."""
