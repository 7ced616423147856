"""FoleyDesk providers layer (Qt-free)."""
